# References for test/holt-winters.test.ts from R's stats::HoltWinters (base R,
# Debian r-base-core), with given coefficients and start values, so the test
# checks the recursion itself (R's own optimiser is not what is compared).
#   Rscript scripts/make-holt-winters-references.R > test/reference/holt-winters.json
# Series: AirPassengers (multiplicative) and co2 (additive), from R's datasets package.
num <- function(v) paste0("[", paste(sprintf("%.10g", as.numeric(v)), collapse = ", "), "]")
case <- function(name, x, seasonal, alpha, beta, gamma) {
  f <- frequency(x)
  l0 <- mean(x[1:f])
  b0 <- (mean(x[(f + 1):(2 * f)]) - l0) / f
  s0 <- if (seasonal == "multiplicative") x[1:f] / l0 else x[1:f] - l0
  h <- HoltWinters(x, alpha = alpha, beta = beta, gamma = gamma, seasonal = seasonal,
                   l.start = l0, b.start = b0, s.start = s0)
  co <- h$coefficients
  paste0('  "', name, '": {"seasonal": "', seasonal, '", "season": ', f,
         ', "alpha": ', alpha, ', "beta": ', beta, ', "gamma": ', gamma,
         ', "series": ', num(x), ', "level0": ', sprintf("%.10g", l0), ', "trend0": ', sprintf("%.10g", b0),
         ', "season0": ', num(s0), ', "fitted": ', num(fitted(h)[, "xhat"]),
         ', "level": ', sprintf("%.10g", co[["a"]]), ', "trend": ', sprintf("%.10g", co[["b"]]),
         ', "finalSeason": ', num(co[3:(2 + f)]), ', "forecast": ', num(predict(h, 2 * f)), '}')
}
cat("{\n", paste(c(
  case("AirPassengers", AirPassengers, "multiplicative", 0.3, 0.1, 0.2),
  case("co2", co2, "additive", 0.5, 0.05, 0.3)
), collapse = ",\n"), "\n}\n", sep = "")
