"""scikit-learn HistGradientBoostingRegressor baseline for bench/valuation/gbdt.bench.ts.

Reads the exact matrices the TypeScript bench trains on (raw float64 files written by the
bench), so both learners see the same features and the same split. Prints one JSON object:
test-set predictions, the training seconds of each repeat (the model is the same every time:
random_state is fixed) and prediction microseconds per row, in a batch and one row at a time.

usage: python3 sklearn_baseline.py DIR   (DIR holds meta.json, x_train.f64, y_train.f64, x_test.f64)
"""
import json
import os
import sys
import time

import numpy as np
from sklearn.ensemble import HistGradientBoostingRegressor


def main() -> None:
    folder = sys.argv[1]
    with open(os.path.join(folder, "meta.json")) as f:
        meta = json.load(f)
    cols = meta["cols"]
    x_train = np.fromfile(os.path.join(folder, "x_train.f64"), dtype="<f8").reshape(-1, cols)
    y_train = np.fromfile(os.path.join(folder, "y_train.f64"), dtype="<f8")
    x_test = np.fromfile(os.path.join(folder, "x_test.f64"), dtype="<f8").reshape(-1, cols)
    categorical = meta["categorical"]
    # scikit-learn wants category codes in [0, max_bins): encode them ordinally (no target information).
    for c in categorical:
        codes, inverse = np.unique(np.concatenate([x_train[:, c], x_test[:, c]]), return_inverse=True)
        x_train[:, c] = inverse[: len(x_train)]
        x_test[:, c] = inverse[len(x_train):]
    train_seconds = []
    train_cpu_seconds = []
    warmup_seconds = []
    # meta["warmup"] untimed fits first (the same model), when the caller times its own side warm too.
    warmup = max(0, meta.get("warmup", 0))
    for r in range(warmup + max(1, meta.get("repeats", 1))):
        model = HistGradientBoostingRegressor(categorical_features=categorical or None, random_state=meta["seed"], **meta.get("params", {}))
        start = time.perf_counter()
        cpu_start = time.process_time()
        model.fit(x_train, y_train)
        if r >= warmup:
            train_cpu_seconds.append(time.process_time() - cpu_start)
            train_seconds.append(time.perf_counter() - start)
        else:
            warmup_seconds.append(time.perf_counter() - start)
    model.predict(x_test)  # warm-up
    start = time.perf_counter()
    prediction = model.predict(x_test)
    predict_seconds = time.perf_counter() - start
    start = time.perf_counter()
    for i in range(min(200, len(x_test))):
        model.predict(x_test[i : i + 1])
    single_seconds = (time.perf_counter() - start) / min(200, len(x_test))
    json.dump(
        {
            "sklearn": __import__("sklearn").__version__,
            "iterations": int(model.n_iter_),
            "train_seconds": train_seconds,
            "train_cpu_seconds": train_cpu_seconds,
            "warmup_seconds": warmup_seconds,
            "predict_us_per_row": predict_seconds / len(x_test) * 1e6,
            "single_row_us": single_seconds * 1e6,
            "prediction": prediction.tolist(),
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
