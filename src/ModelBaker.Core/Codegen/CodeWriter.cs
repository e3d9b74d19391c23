using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace ModelBaker.Core.Codegen;

/// <summary>
/// An indenting text writer for generated C#. Always "\n" line endings and invariant-culture numbers, so the
/// same plan gives byte-identical source on every machine.
/// </summary>
public sealed class CodeWriter
{
    private readonly StringBuilder _text = new();
    private int _indent;

    /// <summary>
    /// Writing the nanoFramework flavour: constant arrays become <c>static readonly T[]</c> fields (no spans there).
    /// </summary>
    public bool Nano { get; init; }

    /// <summary>The nanoFramework class's shared working array (sbyte[]), present when a step's NanoWorkspaceBytes is not 0.</summary>
    public const string NanoWorkspace = "Workspace";

    /// <summary>
    /// Where the .NET flavour's large constant arrays, or the nanoFramework flavour's weight rows, go when the plan stores
    /// its weights in a resource; null = array initializers (<see cref="EmitArrays"/>).
    /// </summary>
    public WeightBlob? Weights { get; init; }

    /// <summary>nanoFramework: bytes of the plan's WeightBytes that went into <see cref="Weights"/> (so are not held in RAM).</summary>
    public int ResourceWeightBytes { get; set; }

    public CodeWriter Line(string line = "")
    {
        if (line.Length > 0) _text.Append(' ', _indent * 4).Append(line);
        _text.Append('\n');
        return this;
    }

    public CodeWriter Open(string line)
    {
        Line(line);
        Line("{");
        _indent++;
        return this;
    }

    public CodeWriter Close(string suffix = "")
    {
        _indent--;
        return Line("}" + suffix);
    }

    /// <summary>Writes a multi-line block (e.g. a helper method kept as text), re-indented to the current level.</summary>
    public CodeWriter Block(string text)
    {
        foreach (var raw in text.Replace("\r\n", "\n").Split('\n'))
            Line(raw.TrimEnd());
        return this;
    }

    public override string ToString() => _text.ToString();

    private readonly Dictionary<string, string> _locals = new();

    /// <summary>
    /// The local a method declared for <paramref name="key"/> (a tensor: "activated" for int8s.Slice(4, 3)), or
    /// <paramref name="expression"/> outside such a method: generated calls name their tensors.
    /// </summary>
    public string Local(string key, string expression) => _locals.TryGetValue(key, out var name) ? name : expression;

    public bool HasLocal(string key) => _locals.ContainsKey(key);

    /// <summary>From now on <paramref name="key"/> is written as <paramref name="name"/> (until <see cref="ForgetLocals"/>).</summary>
    public void NameLocal(string key, string name) => _locals[key] = name;

    public void ForgetLocals() => _locals.Clear();

    /// <summary>A float literal that parses back to exactly the same float.</summary>
    public static string Float(float value)
    {
        if (float.IsNaN(value)) return "float.NaN";
        if (float.IsPositiveInfinity(value)) return "float.PositiveInfinity";
        if (float.IsNegativeInfinity(value)) return "float.NegativeInfinity";
        // G9 always round-trips a float and, unlike "R", formats the same on .NET Framework (Visual Studio's
        // compiler host) and .NET: generated files must not depend on which one ran the generator.
        return value.ToString("G9", CultureInfo.InvariantCulture) + "f";
    }

    /// <summary>A double literal that parses back to exactly the same double.</summary>
    public static string Double(double value)
    {
        string s = value.ToString("G17", CultureInfo.InvariantCulture); // see Float for why not "R"
        return s.Contains(".") || s.Contains("E") ? s : s + ".0";
    }

    /// <summary>Array elements, wrapped to lines of <paramref name="perLine"/> values.</summary>
    public CodeWriter Elements<T>(IReadOnlyList<T> values, Func<T, string> format, int perLine = 16)
    {
        var line = new StringBuilder();
        for (int i = 0; i < values.Count; i++)
        {
            line.Append(format(values[i])).Append(',');
            if ((i + 1) % perLine == 0 || i == values.Count - 1)
            {
                Line(line.ToString());
                line.Clear();
            }
            else line.Append(' ');
        }
        return this;
    }

    public static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Text from the model (a node, tensor or file name) for a // or /// comment: printable ASCII only, anything else
    /// written as \uXXXX text (<see cref="Diagnostics.Text.Printable"/>), so no character — U+2028 included — can end
    /// the comment and turn the rest of a name into code.
    /// </summary>
    public static string Comment(string text) => Diagnostics.Text.Printable(text);

    /// <summary>
    /// The one way model text becomes a C# string literal: a regular "…" literal holding exactly <paramref name="text"/>,
    /// with the quote, the backslash and every character outside printable ASCII written as an escape. It is the same
    /// literal in C# 1 through 13, and in the nanoFramework compiler's C# 9.
    /// </summary>
    public static string StringLiteral(string text) =>
        // Quote and backslash escaped first; Printable then writes everything else as \uXXXX, one escape C# reads back.
        "\"" + Diagnostics.Text.Printable(text.Replace("\\", "\\\\").Replace("\"", "\\\"")) + "\"";
}
