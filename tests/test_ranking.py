"""Tests for minikan.symbolic.ranking: the score and the order of fits."""
from minikan.symbolic.fit import AffineFit
from minikan.symbolic.ranking import R2_FLOOR, rank, score


def test_score_floor_and_guarantee():
    assert score(1.0, 2) == score(1 - R2_FLOOR / 10, 2)            # past the floor: exact
    assert score(0.9999 + 1e-9, 3) < score(0.0, 0)                 # R² > 0.9999 beats zero
    assert score(-5.0, 1) == score(0.0, 1)                          # worse than the mean: 0 bits
    assert score(1 - 1.0e-3, 2) == score(1 - 1.05e-3, 2)            # noise-level difference
    assert score(1 - 1e-3, 2) < score(1 - 2e-3, 2)                  # a real one


def test_rank_sorts_by_score_then_library_order_and_filters():
    def fit(name, r2):
        return AffineFit(name, 1.0, 1.0, 0.0, 0.0, r2, 0)
    # scores at weight 0.8: p 0.8 - 0.2·10 = -1.2; q 2.4 - 0.2·33.25 = -4.25; r -5.05; s 1.4
    fits = [fit("p", 1 - 1e-3), fit("q", 1.0), fit("r", 1.0), fit("s", 0.5)]
    complexities = [1, 3, 2, 2]
    rows = rank(fits, complexities)
    assert [r.name for r in rows] == ["r", "q", "p", "s"]
    assert [r.score for r in rows] == [float(score(f.r2, c)) for f, c in
                                       sorted(zip(fits, complexities), key=lambda fc: score(fc[0].r2, fc[1]))]
    tied = rank(fits + [fit("t", 1.0)], complexities + [2])           # t ties r: library order
    assert [r.name for r in tied[:2]] == ["r", "t"]
    assert [r.name for r in rank(fits, complexities, r2_threshold=0.99, topk=2)] == ["r", "q"]


def test_floor_from_the_models_accuracy_makes_ties():
    from minikan.symbolic.ranking import R2_FLOOR_MAX

    def fit(name, r2):
        return AffineFit(name, 1.0, 1.0, 0.0, 0.0, r2, 0)
    # the y² edge of the discovery benchmark: a wide cosine 5e-7, x² 2.2e-6, model error 2.7e-5
    fits = [fit("x^2", 1 - 2.2e-6), fit("sin", 1 - 5.0e-7)]
    assert [r.name for r in rank(fits, [2, 2])] == ["sin", "x^2"]            # plain floor
    assert [r.name for r in rank(fits, [2, 2], floor=2.7e-5)] == ["x^2", "sin"]
    # a floor past R2_FLOOR_MAX is clipped there: R² > 0.9999 still outranks the zero function
    assert score(1 - 0.9e-4, 3, floor=1e-2) < score(0.0, 0, floor=1e-2)
    assert score(1 - R2_FLOOR_MAX / 2, 2, floor=1.0) == score(1 - R2_FLOOR_MAX / 4, 2, floor=1.0)


def test_accuracy_floor_reads_the_last_fits_labels():
    import numpy as np

    from minikan import KAN, create_dataset
    from minikan.symbolic.fix import accuracy_floor
    data = create_dataset(lambda x: x[:, 0] ** 2 + x[:, 1], 2, train_num=100, test_num=20, seed=0)
    model = KAN([2, 2, 1], grid=3, k=3, seed=0)
    assert accuracy_floor(model, data["train_input"]) == R2_FLOOR               # no labels yet
    model.fit(data, steps=3, log=0)
    x, y = data["train_input"], data["train_label"]
    expected = np.mean((model.predict(x) - y) ** 2) / np.var(y)
    assert np.isclose(accuracy_floor(model, model.data_x()), expected, rtol=1e-12)
    assert accuracy_floor(model, x.copy()) == R2_FLOOR                          # other inputs, no y
    assert np.isclose(accuracy_floor(model, x.copy(), y), expected, rtol=1e-12)
