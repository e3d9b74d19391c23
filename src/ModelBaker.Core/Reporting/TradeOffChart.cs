using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace ModelBaker.Core.Reporting;

/// <summary>
/// The accuracy/bytes trade-off of `modelbaker sweep` as a plain SVG, written by hand (no library, no script, no
/// external font or style sheet, so a browser and a pull request show it alike): baked bytes on x, points of accuracy
/// lost on y, one circle per setting, the Pareto front filled, joined and labelled, the budget dashed. Every number is
/// formatted in the invariant culture with fixed decimals, so the same points give the same bytes.
/// </summary>
public static class TradeOffChart
{
    public sealed record Point(string Label, long Bytes, double Drop);

    private const int Width = 760, Height = 470, Left = 80, Right = 30, Top = 66, Bottom = 64;
    private const string Front = "#1f5fa8", Other = "#8a8a8a", Budget = "#c0392b";

    /// <param name="dropName">What the y axis measures, e.g. "top-1 drop" or "agreement drop".</param>
    /// <param name="budget">MaxAccuracyDrop, drawn as a dashed line; null for none.</param>
    public static string Svg(string title, string dropName, IReadOnlyList<Point> points, double? budget)
    {
        var front = ParetoFront.Of(points.Select(p => (p.Bytes, p.Drop)).ToList());
        long maxBytes = points.Count == 0 ? 1 : Math.Max(1, points.Max(p => p.Bytes));
        double xStep = NiceStep(maxBytes / 5.0);
        double xTop = Math.Ceiling(maxBytes * 1.04 / xStep) * xStep;
        // Settings that destroy the model would squash the ones that matter: the axis stops at 20 points (or twice the
        // budget), and points beyond it sit on the top edge as triangles with their value.
        double cap = Math.Max(20, 2 * (budget ?? 0));
        double highest = Math.Max(points.Where(p => p.Drop <= cap).Select(p => p.Drop).DefaultIfEmpty(0).Max(), Math.Max(budget ?? 0, 0));
        if (points.Any(p => p.Drop > cap)) highest = cap;
        double lowest = Math.Min(0, points.Select(p => p.Drop).DefaultIfEmpty(0).Min());
        double yStep = NiceStep(Math.Max(highest - lowest, 0.5) / 5);
        double yTop = Math.Max(yStep, Math.Ceiling(highest * 1.04 / yStep) * yStep);
        double yBottom = Math.Floor(lowest / yStep) * yStep;
        double X(double bytes) => Left + (Width - Left - Right) * bytes / xTop;
        double Y(double drop) => Top + (Height - Top - Bottom) * (yTop - Math.Min(drop, yTop)) / (yTop - yBottom);

        var svg = new StringBuilder();
        svg.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n");
        svg.Append($"  <title>{Escape(title)}</title>\n");
        svg.Append($"  <rect width=\"{Width}\" height=\"{Height}\" fill=\"#ffffff\"/>\n");
        svg.Append($"  <text x=\"{Width / 2}\" y=\"24\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">{Escape(title)}</text>\n");

        // Grid and ticks.
        for (double x = 0; x <= xTop + xStep / 2; x += xStep)
        {
            svg.Append($"  <line x1=\"{N(X(x))}\" y1=\"{Top}\" x2=\"{N(X(x))}\" y2=\"{Height - Bottom}\" stroke=\"#e4e4e4\"/>\n");
            svg.Append($"  <text x=\"{N(X(x))}\" y=\"{Height - Bottom + 18}\" text-anchor=\"middle\">{((long)Math.Round(x)).ToString("N0", CultureInfo.InvariantCulture)}</text>\n");
        }
        for (double y = yBottom; y <= yTop + yStep / 2; y += yStep)
        {
            svg.Append($"  <line x1=\"{Left}\" y1=\"{N(Y(y))}\" x2=\"{Width - Right}\" y2=\"{N(Y(y))}\" stroke=\"{(Math.Abs(y) < yStep / 2 ? "#9a9a9a" : "#e4e4e4")}\"/>\n");
            svg.Append($"  <text x=\"{Left - 8}\" y=\"{N(Y(y) + 4)}\" text-anchor=\"end\">{Tick(y, yStep)}</text>\n");
        }
        svg.Append($"  <rect x=\"{Left}\" y=\"{Top}\" width=\"{Width - Left - Right}\" height=\"{Height - Top - Bottom}\" fill=\"none\" stroke=\"#333333\"/>\n");
        svg.Append($"  <text x=\"{(Left + Width - Right) / 2}\" y=\"{Height - 18}\" text-anchor=\"middle\">baked bytes (weights, biases, tables)</text>\n");
        svg.Append($"  <text transform=\"translate(22 {(Top + Height - Bottom) / 2}) rotate(-90)\" text-anchor=\"middle\">{Escape(dropName)} (points; lower is better)</text>\n");

        if (budget is { } b)
        {
            svg.Append($"  <line class=\"budget\" x1=\"{Left}\" y1=\"{N(Y(b))}\" x2=\"{Width - Right}\" y2=\"{N(Y(b))}\" stroke=\"{Budget}\" stroke-dasharray=\"6 4\"/>\n");
            svg.Append($"  <text x=\"{Width - Right - 4}\" y=\"{N(Y(b) - 5)}\" text-anchor=\"end\" fill=\"{Budget}\">MaxAccuracyDrop {b.ToString("0.##", CultureInfo.InvariantCulture)}</text>\n");
        }

        // The front, joined from the smallest to the largest.
        var onFront = points.Select((p, i) => (p, i)).Where(t => front[t.i]).OrderBy(t => t.p.Bytes).ThenBy(t => t.p.Drop).ThenBy(t => t.i).ToList();
        if (onFront.Count > 1)
            svg.Append($"  <polyline class=\"front\" fill=\"none\" stroke=\"{Front}\" stroke-width=\"1.5\" points=\"{string.Join(" ", onFront.Select(t => $"{N(X(t.p.Bytes))},{N(Y(t.p.Drop))}"))}\"/>\n");

        for (int i = 0; i < points.Count; i++)
        {
            var p = points[i];
            string tip = Escape($"{p.Label}: {p.Bytes.ToString("N0", CultureInfo.InvariantCulture)} B, {dropName} {p.Drop.ToString("0.00", CultureInfo.InvariantCulture)}{(front[i] ? " (Pareto front)" : "")}");
            string cls = front[i] ? "point front" : "point";
            string fill = front[i] ? Front : "#ffffff", stroke = front[i] ? Front : Other;
            double x = X(p.Bytes), y = Y(p.Drop);
            if (p.Drop > yTop)
                svg.Append($"  <path class=\"{cls} clipped\" d=\"M{N(x - 5)},{N(y + 8)} L{N(x + 5)},{N(y + 8)} L{N(x)},{N(y)} Z\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"1.5\"><title>{tip}</title></path>\n");
            else
                svg.Append($"  <circle class=\"{cls}\" cx=\"{N(x)}\" cy=\"{N(y)}\" r=\"4.5\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"1.5\"><title>{tip}</title></circle>\n");
            if (front[i] || p.Drop > yTop)
            {
                string text = p.Drop > yTop ? $"{p.Label} ({p.Drop.ToString("0.#", CultureInfo.InvariantCulture)})" : p.Label;
                svg.Append($"  <text x=\"{N(x + 7)}\" y=\"{N(p.Drop > yTop ? y + 20 : y - 7)}\" fill=\"{(front[i] ? Front : Other)}\" font-size=\"11\">{Escape(text)}</text>\n");
            }
        }

        // Legend, in a row between the title and the plot (inside it, it could hide points).
        int ly = 46;
        svg.Append($"  <circle cx=\"{Left + 6}\" cy=\"{ly - 4}\" r=\"4.5\" fill=\"{Front}\" stroke=\"{Front}\"/>\n");
        svg.Append($"  <text x=\"{Left + 16}\" y=\"{ly}\">Pareto front (no setting is smaller and more accurate)</text>\n");
        svg.Append($"  <circle cx=\"{Left + 406}\" cy=\"{ly - 4}\" r=\"4.5\" fill=\"#ffffff\" stroke=\"{Other}\" stroke-width=\"1.5\"/>\n");
        svg.Append($"  <text x=\"{Left + 416}\" y=\"{ly}\">other settings (hover for values)</text>\n");
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    /// <summary>1, 2 or 5 times a power of ten, at least <paramref name="rough"/>.</summary>
    private static double NiceStep(double rough)
    {
        if (rough <= 0) return 1;
        double power = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        foreach (double m in new[] { 1.0, 2, 5, 10 })
            if (m * power >= rough) return m * power;
        return 10 * power;
    }

    // "+ 0.0" turns a negative zero into zero, which .NET would print as "-0".
    private static string Tick(double value, double step) =>
        (value + 0.0).ToString(step >= 1 ? "0" : step >= 0.1 ? "0.0" : "0.00", CultureInfo.InvariantCulture);

    private static string N(double value) => (value + 0.0).ToString("0.#", CultureInfo.InvariantCulture);

    private static string Escape(string text) =>
        text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("\"", "&quot;");
}
