using System.Globalization;
using System.Text;

namespace ModelBaker.Core.Diagnostics;

/// <summary>Text from a model (names, locations) made safe to show: in messages and in generated comments.</summary>
public static class Text
{
    /// <summary>
    /// Printable ASCII kept, everything else written as the six characters <c>\uXXXX</c> (a backslash stays a single
    /// backslash). Nothing that ends a line — \n, \r, U+0085, U+2028, U+2029 — nor a bidi control or NUL survives, so
    /// the result can go into a // comment, an XML doc comment or an error message and stay on its line, visibly.
    /// </summary>
    public static string Printable(string text)
    {
        StringBuilder? result = null;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c >= ' ' && c <= '~')
            {
                result?.Append(c);
                continue;
            }
            result ??= new StringBuilder(text, 0, i, text.Length + 16);
            result.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
        }
        return result?.ToString() ?? text;
    }
}
