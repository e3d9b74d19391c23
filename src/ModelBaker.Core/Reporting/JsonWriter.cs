using System.Globalization;
using System.Text;

namespace ModelBaker.Core.Reporting;

/// <summary>Just enough JSON for the report: indented, invariant numbers, stable field order (netstandard2.0 has no System.Text.Json).</summary>
internal sealed class JsonWriter
{
    private readonly StringBuilder _text = new();
    private int _depth;
    private bool _first = true;

    public void Open() => Begin("{");
    public void OpenObject(string name) => Begin(Name(name) + "{");
    public void OpenArray(string name) => Begin(Name(name) + "[");
    public void Close() => End("}");
    public void CloseArray() => End("]");

    public void Field(string name, string? value) => Item(Name(name) + (value != null ? Quote(value) : "null"));
    public void Field(string name, long value) => Item(Name(name) + value.ToString(CultureInfo.InvariantCulture));
    public void Field(string name, double value) => Item(Name(name) + Number(value));
    public void Field(string name, bool value) => Item(Name(name) + (value ? "true" : "false"));
    public void Field(string name, double? value) => Item(Name(name) + (value is { } v ? Number(v) : "null"));

    public override string ToString() => _text.ToString() + "\n";

    private void Begin(string text)
    {
        Item(text);
        _depth++;
        _first = true;
    }

    private void End(string text)
    {
        _depth--;
        _text.Append('\n').Append(' ', 2 * _depth).Append(text);
        _first = false;
    }

    private void Item(string text)
    {
        if (_text.Length > 0) _text.Append(_first ? "\n" : ",\n");
        _text.Append(' ', 2 * _depth).Append(text);
        _first = false;
    }

    private static string Name(string name) => Quote(name) + ": ";

    private static string Number(double value) =>
        double.IsNaN(value) || double.IsInfinity(value) ? "null" : value.ToString("0.######", CultureInfo.InvariantCulture);

    private static string Quote(string value)
    {
        var quoted = new StringBuilder("\"");
        foreach (char c in value)
        {
            if (c == '"' || c == '\\') quoted.Append('\\').Append(c);
            else if (c < ' ') quoted.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            else quoted.Append(c);
        }
        return quoted.Append('"').ToString();
    }
}
