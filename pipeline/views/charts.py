"""Small inline SVG charts for the HTML report: no JavaScript, no fonts or images to fetch.

Every function returns SVG markup with its text escaped; hovering a bar, cell or point shows
its exact value (an SVG <title>).
"""

import html
import math
from collections.abc import Sequence

# One colour per split or phase, the same in every chart of the report.
SERIES_COLORS = ("#4c78a8", "#f58518", "#54a24b", "#b279a2")
FONT = 'font-family="system-ui, sans-serif" font-size="11"'


def _escape(text: object) -> str:
    return html.escape(str(text), quote=True)


def _svg(width: int, height: int, label: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{_escape(label)}" {FONT}>'
        f"<title>{_escape(label)}</title>" + "".join(body) + "</svg>"
    )


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high]."""
    if high <= low:
        return [low]
    raw_step = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw_step))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw_step)
    first = math.ceil(low / step) * step
    return [first + i * step for i in range(int((high - first) / step + 1e-9) + 1)]


def _legend(names: Sequence[str], x: float, y: float, across: bool = False) -> list[str]:
    """A colour key, one name under the other, or side by side when `across`."""
    body = []
    for i, name in enumerate(names):
        color = SERIES_COLORS[i % len(SERIES_COLORS)]
        if across:
            item_x, item_y = x + sum(24 + 6.5 * len(n) for n in names[:i]), y
        else:
            item_x, item_y = x, y + i * 14
        body.append(
            f'<rect x="{item_x:.1f}" y="{item_y - 8}" width="10" height="10" fill="{color}" '
            f'fill-opacity="0.6"/><text x="{item_x + 14:.1f}" y="{item_y}">{_escape(name)}</text>'
        )
    return body


def overlaid_histograms(
    title: str, histograms: dict[str, list[dict[str, float]]], width: int = 340, height: int = 180
) -> str:
    """Histograms of one feature in several splits on one axis, each as a share of its split's
    rows per unit of the feature, so splits of different sizes and bucket edges compare."""
    histograms = {name: buckets for name, buckets in histograms.items() if buckets}
    if not histograms:
        return _svg(width, 40, title, ['<text x="4" y="24">no values</text>'])
    left, right, top, bottom = 40, 80, 8, 28
    plot_width, plot_height = width - left - right, height - top - bottom
    low = min(b["low"] for buckets in histograms.values() for b in buckets)
    high = max(b["high"] for buckets in histograms.values() for b in buckets)
    span = (high - low) or 1.0

    def density(bucket: dict[str, float], total: float) -> float:
        bucket_width = (bucket["high"] - bucket["low"]) or span / 50
        return bucket["count"] / total / bucket_width

    totals = {name: sum(b["count"] for b in buckets) or 1 for name, buckets in histograms.items()}
    peak = max(density(b, totals[n]) for n, buckets in histograms.items() for b in buckets) or 1
    body = [
        f'<line x1="{left}" y1="{top + plot_height}" x2="{left + plot_width}" '
        f'y2="{top + plot_height}" stroke="#888"/>'
    ]
    for tick in _ticks(low, high):
        x = left + (tick - low) / span * plot_width
        body.append(
            f'<text x="{x:.1f}" y="{top + plot_height + 14}" text-anchor="middle">{tick:g}</text>'
        )
    for i, (name, buckets) in enumerate(histograms.items()):
        color = SERIES_COLORS[i % len(SERIES_COLORS)]
        for bucket in buckets:
            bar_width = max((bucket["high"] - bucket["low"]) / span * plot_width, 1.5)
            bar_height = density(bucket, totals[name]) / peak * plot_height
            x = left + (bucket["low"] - low) / span * plot_width
            share = bucket["count"] / totals[name]
            body.append(
                f'<rect class="bar" x="{x:.1f}" y="{top + plot_height - bar_height:.1f}" '
                f'width="{bar_width:.1f}" height="{bar_height:.1f}" fill="{color}" '
                f'fill-opacity="0.5" stroke="{color}"><title>{_escape(name)}: '
                f"{bucket['low']:.3g} to {bucket['high']:.3g}: {bucket['count']:.1f} rows "
                f"({share:.1%})</title></rect>"
            )
    body.append(f'<text x="{left - 6}" y="{top + 10}" text-anchor="end" fill="#666">share</text>')
    body += _legend(list(histograms), left + plot_width + 12, top + 12)
    return _svg(width, height, title, body)


def grouped_bars(
    title: str,
    categories: Sequence[str],
    series: dict[str, Sequence[float | None]],
    maximum: float | None = None,
    value_format: str = "{:.3f}",
    reference: float | None = None,
    width: int = 460,
) -> str:
    """Horizontal bars, one group per category and one bar per series; an optional dashed
    reference line (e.g. the blessing threshold)."""
    # Room for the longest label at about 6.5 px a character of the 11 px font.
    label_width = max(60, int(6.5 * max((len(c) for c in categories), default=0)) + 12)
    right = 90
    bar_height, gap = 14, 10
    group_height = bar_height * len(series) + gap
    # Several series get a key above the bars, clear of the values printed after each bar.
    legend_height = 18 if len(series) > 1 else 0
    height = legend_height + group_height * len(categories) + 24
    plot_width = width - label_width - right
    values = [v for vs in series.values() for v in vs if v is not None]
    scale = maximum or max(values + [reference or 0], default=1) or 1
    body = []
    for row, category in enumerate(categories):
        y0 = legend_height + row * group_height + 4
        body.append(
            f'<text x="{label_width - 6}" y="{y0 + group_height / 2 + 1}" text-anchor="end">'
            f"{_escape(category)}</text>"
        )
        for i, (name, series_values) in enumerate(series.items()):
            value = series_values[row]
            y = y0 + i * bar_height
            color = SERIES_COLORS[i % len(SERIES_COLORS)]
            if value is None:
                body.append(f'<text x="{label_width + 4}" y="{y + 11}" fill="#666">n/a</text>')
                continue
            length = max(value, 0) / scale * plot_width
            shown = value_format.format(value)
            body.append(
                f'<rect class="bar" x="{label_width}" y="{y}" width="{length:.1f}" '
                f'height="{bar_height - 2}" fill="{color}"><title>{_escape(category)}, '
                f"{_escape(name)}: {_escape(shown)}</title></rect>"
                f'<text x="{label_width + length + 4:.1f}" y="{y + 10}">{_escape(shown)}</text>'
            )
    if reference is not None:
        x = label_width + reference / scale * plot_width
        body.append(
            f'<line x1="{x:.1f}" y1="{legend_height}" x2="{x:.1f}" y2="{height - 18}" '
            f'stroke="#d62728" stroke-dasharray="4 3"/><text x="{x:.1f}" y="{height - 4}" '
            f'text-anchor="middle" fill="#d62728">{_escape(value_format.format(reference))}</text>'
        )
    if legend_height:
        body += _legend(list(series), label_width, 12, across=True)
    return _svg(width, height, title, body)


def line_chart(
    title: str,
    series: dict[str, Sequence[float]],
    x_label: str,
    width: int = 340,
    height: int = 190,
) -> str:
    """Lines over 1..n (e.g. epochs), one per series, with the y axis fitted to the values."""
    series = {name: values for name, values in series.items() if values}
    if not series:
        return _svg(width, 40, title, ['<text x="4" y="24">no values</text>'])
    left, right, top, bottom = 44, 86, 10, 32
    plot_width, plot_height = width - left - right, height - top - bottom
    values = [v for vs in series.values() for v in vs]
    low, high = min(values), max(values)
    if high == low:
        low, high = low - 0.5, high + 0.5
    count = max(len(vs) for vs in series.values())

    def point(index: int, value: float) -> tuple[float, float]:
        x = left + (index / max(count - 1, 1)) * plot_width
        return x, top + (high - value) / (high - low) * plot_height

    body = [
        f'<line x1="{left}" y1="{top + plot_height}" x2="{left + plot_width}" '
        f'y2="{top + plot_height}" stroke="#888"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_height}" stroke="#888"/>',
        f'<text x="{left + plot_width / 2}" y="{height - 4}" text-anchor="middle" fill="#666">'
        f"{_escape(x_label)}</text>",
    ]
    for tick in _ticks(low, high, 4):
        y = top + (high - tick) / (high - low) * plot_height
        body.append(f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{tick:.3g}</text>')
    for index in range(count):
        x, _ = point(index, low)
        body.append(
            f'<text x="{x:.1f}" y="{top + plot_height + 13}" text-anchor="middle">'
            f"{index + 1}</text>"
        )
    for i, (name, series_values) in enumerate(series.items()):
        color = SERIES_COLORS[i % len(SERIES_COLORS)]
        points = [point(index, value) for index, value in enumerate(series_values)]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        body.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"/>')
        for index, ((x, y), value) in enumerate(zip(points, series_values, strict=True)):
            body.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}"><title>'
                f"{_escape(name)}, {_escape(x_label)} {index + 1}: {value:.4f}</title></circle>"
            )
    body += _legend(list(series), left + plot_width + 12, top + 12)
    return _svg(width, height, title, body)


def confusion_matrix(title: str, classes: Sequence[str], counts: Sequence[Sequence[int]]) -> str:
    """A heatmap of counts[actual][predicted]; the diagonal (right answers) in green, the
    rest in red, darker for more rows."""
    cell, label_width, top = 64, 96, 46
    width = label_width + cell * len(classes) + 8
    height = top + cell * len(classes) + 8
    peak = max((c for row in counts for c in row), default=1) or 1
    body = [
        f'<text x="{label_width + cell * len(classes) / 2}" y="12" text-anchor="middle" '
        f'fill="#666">predicted</text>',
        f'<text x="8" y="{top - 6}" fill="#666">actual</text>',
    ]
    for j, name in enumerate(classes):
        body.append(
            f'<text x="{label_width + j * cell + cell / 2}" y="{top - 8}" '
            f'text-anchor="middle">{_escape(name)}</text>'
        )
    for i, (actual, row) in enumerate(zip(classes, counts, strict=True)):
        y = top + i * cell
        body.append(
            f'<text x="{label_width - 6}" y="{y + cell / 2 + 4}" text-anchor="end">'
            f"{_escape(actual)}</text>"
        )
        for j, count in enumerate(row):
            hue = "84,162,75" if i == j else "214,39,40"
            opacity = 0.08 + 0.8 * count / peak if count else 0.03
            text_color = "#fff" if opacity > 0.55 else "#222"
            body.append(
                f'<rect class="cell" x="{label_width + j * cell}" y="{y}" width="{cell - 2}" '
                f'height="{cell - 2}" fill="rgb({hue})" fill-opacity="{opacity:.2f}"><title>'
                f"actual {_escape(actual)}, predicted {_escape(classes[j])}: {count}</title>"
                f'</rect><text x="{label_width + j * cell + cell / 2 - 1}" '
                f'y="{y + cell / 2 + 4}" class="count" text-anchor="middle" font-size="14" '
                f'fill="{text_color}">{count}</text>'
            )
    return _svg(width, height, title, body)
