using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace ModelBaker.Cli;

/// <summary>
/// A plain-text table: a header, a dashed rule, rows, and optional footer rows under a second rule.
/// Columns are as wide as their widest cell, two spaces apart; numeric columns are right-aligned.
/// </summary>
public sealed class TextTable
{
    private readonly string[] _headers;
    private readonly bool[] _rightAligned;
    private readonly List<string[]> _rows = new();
    private readonly List<string[]> _footer = new();

    /// <param name="headers">Column titles; a title starting with '>' is right-aligned (the '>' is not shown).</param>
    public TextTable(params string[] headers)
    {
        _rightAligned = headers.Select(h => h.StartsWith(">", StringComparison.Ordinal)).ToArray();
        _headers = headers.Select(h => h.TrimStart('>')).ToArray();
    }

    public TextTable Row(params string[] cells) { _rows.Add(Fit(cells)); return this; }

    public TextTable Footer(params string[] cells) { _footer.Add(Fit(cells)); return this; }

    public void WriteTo(TextWriter writer, string indent = "")
    {
        var all = new[] { _headers }.Concat(_rows).Concat(_footer).ToList();
        int[] widths = Enumerable.Range(0, _headers.Length).Select(c => all.Max(r => r[c].Length)).ToArray();
        string rule = indent + string.Join("  ", widths.Select(w => new string('-', w)));

        Write(writer, indent, _headers, widths);
        writer.WriteLine(rule);
        foreach (var row in _rows) Write(writer, indent, row, widths);
        if (_footer.Count == 0) return;
        writer.WriteLine(rule);
        foreach (var row in _footer) Write(writer, indent, row, widths);
    }

    public override string ToString()
    {
        using var writer = new StringWriter { NewLine = "\n" };
        WriteTo(writer);
        return writer.ToString();
    }

    private void Write(TextWriter writer, string indent, string[] cells, int[] widths)
    {
        var padded = cells.Select((cell, c) => _rightAligned[c] ? cell.PadLeft(widths[c]) : cell.PadRight(widths[c]));
        writer.WriteLine((indent + string.Join("  ", padded)).TrimEnd());
    }

    private string[] Fit(string[] cells)
    {
        if (cells.Length > _headers.Length) throw new ArgumentException($"{cells.Length} cells for {_headers.Length} columns.");
        return cells.Concat(Enumerable.Repeat("", _headers.Length - cells.Length)).ToArray();
    }
}
