# The forecasting benchmark's series, from R's own packages as Debian ships
# them (r-base-core's datasets, r-cran-forecast), written as CSV files
# (date,value; monthly and quarterly dates as YYYY-MM-01) into
# bench/data/series/, with index.json naming each one's source.
#   Rscript scripts/export-r-series.R
suppressMessages(library(forecast))
out <- "bench/data/series"
dir.create(out, showWarnings = FALSE, recursive = TRUE)
series <- list(
  AirPassengers = list(AirPassengers, "datasets: monthly airline passengers, 1949-1960 (Box & Jenkins)"),
  co2 = list(co2, "datasets: Mauna Loa CO2 concentration, 1959-1997"),
  nottem = list(nottem, "datasets: average air temperatures at Nottingham Castle, 1920-1939"),
  UKDriverDeaths = list(UKDriverDeaths, "datasets: UK car drivers killed or seriously injured, 1969-1984"),
  Seatbelts_front = list(Seatbelts[, "front"], "datasets: Seatbelts, front-seat passengers killed or seriously injured"),
  Seatbelts_rear = list(Seatbelts[, "rear"], "datasets: Seatbelts, rear-seat passengers killed or seriously injured"),
  Seatbelts_kms = list(Seatbelts[, "kms"], "datasets: Seatbelts, distance driven"),
  Seatbelts_PetrolPrice = list(Seatbelts[, "PetrolPrice"], "datasets: Seatbelts, petrol price"),
  sunspots = list(sunspots, "datasets: monthly sunspot numbers, 1749-1983"),
  UKgas = list(UKgas, "datasets: UK quarterly gas consumption, 1960-1986"),
  JohnsonJohnson = list(JohnsonJohnson, "datasets: quarterly earnings per Johnson & Johnson share, 1960-1980"),
  austres = list(austres, "datasets: quarterly Australian residents, 1971-1994"),
  wineind = list(wineind, "forecast: Australian wine sales by winemakers, monthly, 1980-1994"),
  woolyrnq = list(woolyrnq, "forecast: quarterly woollen yarn production in Australia, 1965-1994"),
  gas = list(gas, "forecast: Australian monthly gas production, 1956-1995")
)
index <- character(0)
for (name in names(series)) {
  x <- series[[name]][[1]]
  f <- frequency(x)
  t <- time(x)
  year <- floor(t + 1e-9)
  month <- round((t - year) * 12) + 1
  dates <- sprintf("%04d-%02d-01", as.integer(year), as.integer(month))
  write.csv(data.frame(date = dates, value = as.numeric(x)), file.path(out, paste0(name, ".csv")), row.names = FALSE, quote = FALSE)
  index <- c(index, sprintf('  "%s": {"frequency": %d, "length": %d, "source": "R %s"}', name, f, length(x), series[[name]][[2]]))
}
writeLines(c("{", paste(index, collapse = ",\n"), "}"), file.path(out, "index.json"))
cat("wrote", length(series), "series to", out, "\n")
