/** Forecasting primitives for price indices (docs/ml.md, "Forecasting"). */
export { fitAr, forecastAr, logGrowth, type ArModel, type ArFitOptions, type ArForecast } from './ar.js';
export { fitEts, forecastEts, type EtsKind, type EtsModel, type EtsForecast } from './ets.js';
export { noChange, momentum, recentGrowth, ets, dampedAnnualGrowth, arGrowth, arAnnualGrowth, seasonallyAdjustedGrowth, type ForecastModel } from './models.js';
export { rollingOriginBacktest, autoForecast, defaultCandidates, average, quantile, normalQuantile, type AutoForecast, type AutoForecastOptions, type BacktestResult, type Combination } from './forecast.js';
export { trainPanelGbdt, panelWarmUp, panelFeatureNames, type PanelGbdtModel, type PanelGbdtOptions } from './panel-gbdt.js';
