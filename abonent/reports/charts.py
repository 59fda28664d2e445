"""Charts as SVG drawn by pygal on the server. One drawing serves the page, the PDF and the e-mailed
report: it is put in as a data: URL image, so the page's CSP (no inline styles or scripts) holds and
WeasyPrint reads it without fetching anything."""

import base64
import re

import pygal
from pygal.style import Style

from abonent.reports.tables import Chart, Kind, Table

STYLE = Style(
    background="#ffffff", plot_background="#ffffff", foreground="#333333", foreground_strong="#111111",
    foreground_subtle="#bbbbbb", font_family="DejaVu Sans, Arial, sans-serif",
    colors=("#2f6db5", "#e08a1e", "#3a9a5b", "#c0392b", "#7d5ba6", "#7f8c8d"),
    title_font_size=15, label_font_size=11, major_label_font_size=11, legend_font_size=12,
    value_font_size=11, tooltip_font_size=11,
)
_KINDS = {"bar": pygal.Bar, "hbar": pygal.HorizontalBar, "line": pygal.Line, "pie": pygal.Pie}
_SCRIPTS = re.compile(r"<script.*?</script>", re.S)


def _value(value, kind: Kind) -> float | None:
    if value is None:
        return None
    if kind in (Kind.SHARE, Kind.POINTS):
        return round(value * 100, 1)
    return value


def render(table: Table, chart: Chart | None = None) -> str:
    """The SVG of the table's chart (plain text, scripts removed)."""
    chart = chart or table.chart
    label = table.column(chart.label)
    # pygal draws horizontal bars from the bottom up: reversed, the chart reads in the table's order.
    rows = list(reversed(table.rows)) if chart.kind == "hbar" else table.rows
    labels = [str(row[label.key]) if label.kind != Kind.DATE else f"{row[label.key]:%d.%m}" for row in rows]
    many = len(labels) > 12
    options = {
        "style": STYLE, "js": [], "disable_xml_declaration": True, "width": 860,
        "height": max(320, 26 * len(labels) + 120) if chart.kind == "hbar" else 360,
        "legend_at_bottom": True, "show_legend": len(chart.series) > 1 or chart.kind == "pie",
        "print_values": chart.kind != "line" and not many, "truncate_label": 40, "truncate_legend": 40,
        "no_data_text": "Нет данных", "margin": 12,
    }
    if chart.kind in ("bar", "line") and many:
        options.update(x_label_rotation=45, x_labels_major_every=max(1, len(labels) // 10), show_minor_x_labels=False)
    columns = [table.column(key) for key in chart.series]
    if any(c.kind == Kind.SHARE for c in columns):
        options["value_formatter"] = lambda v: f"{v:.1f} %".replace(".", ",")
    drawing = _KINDS[chart.kind](**options)
    drawing.title = chart.title or table.title
    if chart.kind == "pie":
        column = columns[0]
        for text, row in zip(labels, rows, strict=True):
            drawing.add(text, _value(row[column.key], column.kind))
    else:
        drawing.x_labels = labels
        for column in columns:
            drawing.add(column.title, [_value(row[column.key], column.kind) for row in rows])
    return _SCRIPTS.sub("", drawing.render(is_unicode=True))


def data_url(table: Table) -> str:
    svg = render(table)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
