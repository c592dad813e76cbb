"""Statistics over seeds against values computed by hand."""

import math

import pytest

from mmkd.apis.seed_stats import describe_gain, paired_gain, summarize, t_quantile


def test_mean_and_sample_std():
    s = summarize([60.0, 62.0, 61.0, 65.0])
    assert s.n == 4 and s.mean == pytest.approx(62.0)
    assert s.std == pytest.approx(math.sqrt((4 + 0 + 1 + 9) / 3))  # n - 1 in the denominator
    assert summarize([70.0]).std is None
    with pytest.raises(ValueError, match='no values'):
        summarize([])


def test_t_quantiles_are_students():
    assert t_quantile(0.975, 2) == pytest.approx(4.302652729911275)
    assert t_quantile(0.975, 3) == pytest.approx(3.182446305284263)
    assert t_quantile(0.975, 1000) == pytest.approx(1.962339, abs=1e-5)


def test_paired_gain_interval_by_hand():
    # differences 2, 3, 1: mean 2, std 1, half width t(0.975, 2) / sqrt(3)
    gain = paired_gain({0: 60, 1: 62, 2: 61}, {0: 58, 1: 59, 2: 60})
    half = 4.302652729911275 / math.sqrt(3)
    assert (gain.n, gain.mean, gain.std) == (3, pytest.approx(2.0), pytest.approx(1.0))
    assert gain.low == pytest.approx(2 - half) and gain.high == pytest.approx(2 + half)
    assert not gain.distinguishable
    assert 'not distinguishable from zero' in describe_gain('KD', gain)


def test_paired_gain_pairs_by_seed_and_detects_a_steady_gain():
    # seed 9 has no reference and is left out; differences 2, 2.5, 1.5, 2: std sqrt(0.5 / 3)
    gain = paired_gain({0: 62, 1: 63.5, 2: 61.5, 3: 60, 9: 99}, {3: 58, 0: 60, 1: 61, 2: 60})
    std = math.sqrt(0.5 / 3)
    half = 3.182446305284263 * std / 2
    assert gain.seeds == (0, 1, 2, 3) and gain.mean == pytest.approx(2.0) and gain.std == pytest.approx(std)
    assert (gain.low, gain.high) == (pytest.approx(2 - half), pytest.approx(2 + half))
    assert gain.distinguishable
    text = describe_gain('HSSAKD', gain)
    assert text.startswith('HSSAKD: +2.00 points over the student alone (95 % CI +1.35 to +2.65, 4 seeds)')
    assert text.endswith('a gain distinguishable from zero.')
    loss = paired_gain({0: 50, 1: 51, 2: 50}, {0: 60, 1: 60, 2: 61})
    assert loss.distinguishable and 'a loss distinguishable' in describe_gain('KD', loss)


def test_one_seed_has_no_interval_and_says_so():
    gain = paired_gain({0: 61.0}, {0: 60.0})
    assert gain.low is None and not gain.distinguishable
    assert 'one seed gives no interval' in describe_gain('KD', gain)


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match=r'no seed in common \(method \[1\], reference \[0\]\)'):
        paired_gain({1: 1.0}, {0: 1.0})
    with pytest.raises(ValueError, match='confidence must be in'):
        paired_gain({0: 1.0}, {0: 1.0}, confidence=95)


def test_demo_report_gives_mean_spread_and_paired_gain():
    from mmkd.apis.demo import DemoResult, DemoSettings
    from mmkd.apis.demo_report import accuracy_table, gain_sentences, scores_by_method

    def row(stage, method, test):
        return dict(stage=stage, method=method, student=True, test=test, val=test, val_best=test, val_best_epoch=3,
                    minutes=1.0)  # fmt: skip

    def rows(alone, kd):
        return [row('baseline', 'Student alone', alone), row('kd', 'Hinton KD', kd)]

    teacher = dict(row('teacher', 'Teacher (ResNet-18 w1/2)', 80.0), student=False)
    settings = DemoSettings.from_preset('quick', work_dir='w', data_root='d', seeds=3)
    result = DemoResult(settings, {0: rows(70, 72), 1: rows(71, 74), 2: rows(69, 70)}, teacher, 'kd', {}, {})
    scores = scores_by_method(result)
    assert scores['Hinton KD'] == {0: 72, 1: 74, 2: 70} and scores['Teacher (ResNet-18 w1/2)'] == {0: 80.0}
    lines = accuracy_table(result, scores)
    half = 4.302652729911275 / math.sqrt(3)  # differences 2, 3, 1: mean 2, sample std 1, t(0.975, 2)
    gain = f'+2.00 ({2 - half:+.2f} to {2 + half:+.2f})'
    assert (
        f'| Hinton KD | ResNet-18 w1/4 (0.7M) | 72.00 ± 2.00 | 72.00 / 74.00 / 70.00 | {gain} | 72.00 ± 2.00 | 3.0 |'
        in lines
    )
    assert (
        '| Student alone | ResNet-18 w1/4 (0.7M) | 70.00 ± 1.00 | 70.00 / 71.00 / 69.00 |  | 70.00 ± 1.00 | 3.0 |'
        in lines
    )
    assert lines[2].startswith('| Teacher (ResNet-18 w1/2) | ResNet-18 w1/2 (2.8M) | 80.00 | (trained once) |')
    words = gain_sentences(scores, teacher['method'])
    assert len(words) == 2 and words[0].startswith('- Hinton KD: +2.00 points') and 'not distinguishable' in words[0]


def test_demo_report_gives_no_gain_to_a_method_trained_without_labels():
    from mmkd.apis.demo import METHOD_LABELS, DemoResult, DemoSettings
    from mmkd.apis.demo_report import accuracy_table, gain_sentences, scores_by_method

    sssd = METHOD_LABELS['sssd']
    rows = {
        seed: [
            dict(stage=stage, method=label, student=True, test=t, val=t, val_best=t, val_best_epoch=3, minutes=1.0)
            for stage, label, t in (('baseline', 'Student alone', 70 + seed), ('sssd', sssd, 60 + 2 * seed))
        ]
        for seed in (0, 1)
    }
    settings = DemoSettings.from_preset('quick', work_dir='w', data_root='d', seeds=2, methods=['baseline', 'sssd'])
    result = DemoResult(settings, rows, None, None, {}, {})
    scores = scores_by_method(result)
    assert any(
        line.startswith(f'| {sssd} |') and '| none: trained without labels |' in line
        for line in accuracy_table(result, scores)
    )
    words = gain_sentences(scores)
    assert len(words) == 2 and words[0].startswith(f'- {sssd}: trained without labels') and 'points' not in words[0]
