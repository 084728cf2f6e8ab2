# The statisticians' forecasts on the forecasting benchmark (bench/forecast-quality.ts
# runs this when Rscript and r-cran-forecast are installed), with the protocol of
# `recurrent forecast train`: the last 10% of the series is the test span; every
# origin whose whole horizon lies in it forecasts `horizon` steps (12 monthly, 4
# quarterly); ets and auto.arima are fitted once on the history before the test
# span and filtered forward (ets(model =, use.initial.values = TRUE), Arima(model =):
# nothing re-estimated); thetaf is refitted at each origin. MASE is scaled by the
# seasonal-naive error over the first 80% (the training span).
#   Rscript scripts/r-baselines.R bench/data/series > results.json
suppressMessages(library(forecast))
args <- commandArgs(trailingOnly = TRUE)
dir <- if (length(args)) args[1] else "bench/data/series"
files <- sort(list.files(dir, pattern = "\\.csv$"))
rows <- character(0)
for (file in files) {
  d <- read.csv(file.path(dir, file))
  months <- as.integer(substr(d$date, 6, 7))
  step <- if (length(months) > 1 && (months[2] - months[1]) %% 12 == 3) 3 else 1
  m <- if (step == 3) 4 else 12
  H <- if (step == 3) 4 else 12
  start <- c(as.integer(substr(d$date[1], 1, 4)), (months[1] - 1) %/% step + 1)
  y <- ts(d$value, frequency = m, start = start)
  n <- length(y)
  trainEnd <- floor(n * 0.8)
  valEnd <- floor(n * 0.9)
  scale <- mean(abs(y[(m + 1):trainEnd] - y[1:(trainEnd - m)]))
  hist <- window(y, end = time(y)[valEnd])
  fitE <- ets(hist)
  fitA <- auto.arima(hist)
  err <- c(ets = 0, arima = 0, theta = 0, snaive = 0)
  count <- 0
  for (t0 in (valEnd - 1):(n - H - 1)) {
    h <- window(y, end = time(y)[t0 + 1])
    actual <- y[(t0 + 2):(t0 + 1 + H)]
    fe <- forecast(ets(h, model = fitE, use.initial.values = TRUE), h = H)$mean
    fa <- forecast(Arima(h, model = fitA), h = H)$mean
    ft <- thetaf(h, h = H)$mean
    fs <- sapply(1:H, function(k) y[t0 + 1 + k - m * ceiling(k / m)])
    err <- err + c(sum(abs(actual - fe)), sum(abs(actual - fa)), sum(abs(actual - ft)), sum(abs(actual - fs)))
    count <- count + H
  }
  mase <- err / count / scale
  name <- sub("\\.csv$", "", file)
  rows <- c(rows, sprintf('  "%s": {"ets": %.6f, "arima": %.6f, "theta": %.6f, "snaive": %.6f, "etsModel": "%s", "arimaModel": "%s", "origins": %d}',
    name, mase[["ets"]], mase[["arima"]], mase[["theta"]], mase[["snaive"]], fitE$method, gsub('"', "", as.character(fitA)), count / H))
}
writeLines(c("{", paste(rows, collapse = ",\n"), "}"))
