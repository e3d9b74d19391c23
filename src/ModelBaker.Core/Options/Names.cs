using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace ModelBaker.Core.Options;

/// <summary>C# names made from file and ONNX names: `digits_cnn.onnx` → `DigitsCnn`, "/net.0/Gemm" → `Net0Gemm`.</summary>
public static class Names
{
    /// <summary>
    /// PascalCase identifier from any text: words split at anything but letters and digits, each capitalised. Letters
    /// keep their script but lose their accents (`dïgits mlp` → `DigitsMlp`, `模型` → `模型`), so a name stays one a
    /// user can type; only letters and decimal digits ever reach the identifier, whatever the text held.
    /// </summary>
    public static string Pascal(string text)
    {
        var result = new StringBuilder();
        bool upperNext = true;
        foreach (char c in Decomposed(text))
        {
            var category = CharUnicodeInfo.GetUnicodeCategory(c);
            if (category == UnicodeCategory.NonSpacingMark) continue; // the accent of the letter before it
            if (!IsIdentifierCharacter(category)) { upperNext = true; continue; }
            result.Append(upperNext ? char.ToUpperInvariant(c) : c);
            upperNext = false;
        }
        if (result.Length == 0 || char.IsDigit(result[0])) result.Insert(0, '_');
        return result.ToString();
    }

    private static bool IsIdentifierCharacter(UnicodeCategory category) => category is UnicodeCategory.UppercaseLetter
        or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter or UnicodeCategory.ModifierLetter
        or UnicodeCategory.OtherLetter or UnicodeCategory.DecimalDigitNumber;

    /// <summary>Letters split from their accents (NFD); text that is not well-formed UTF-16 is taken as it is.</summary>
    private static string Decomposed(string text)
    {
        try { return text.Normalize(NormalizationForm.FormD); }
        catch (System.ArgumentException) { return text; }
    }

    /// <summary>camelCase identifier (parameter names), escaped with @ when it is a C# keyword.</summary>
    public static string Camel(string text)
    {
        string pascal = Pascal(text);
        string camel = pascal[0] == '_' ? pascal : char.ToLowerInvariant(pascal[0]) + pascal.Substring(1);
        return Keywords.Contains(camel) ? "@" + camel : camel;
    }

    public static bool IsValidIdentifier(string name) =>
        name.Length > 0 && (char.IsLetter(name[0]) || name[0] == '_')
        && name.All(c => IsIdentifierCharacter(CharUnicodeInfo.GetUnicodeCategory(c)) || c == '_')
        && !Keywords.Contains(name);

    public static bool IsKeyword(string name) => Keywords.Contains(name);

    public static bool IsValidNamespace(string name) => name.Split('.').All(IsValidIdentifier);

    /// <summary>
    /// Names a generated class cannot take: the methods, constants and tables copied into it (Conv, Pool, Softmax …, the
    /// weight encodings' row readers, float16's HalfToFloat, SmallFloats' Ieee) live inside it, and a member may not be named like its class. Read from the classes
    /// whose source is copied — the Kernels and Encodings namespaces, and any other file embedded for that (Ir/HalfPrecision)
    /// — so a new one is covered without a list to keep.
    /// </summary>
    public static IReadOnlyCollection<string> ReservedClassNames { get; } = new HashSet<string>(
        typeof(Names).Assembly.GetTypes()
            .Where(t => t.Namespace is "ModelBaker.Core.Kernels" or "ModelBaker.Core.Encodings"
                || (t.FullName is { } name && name.StartsWith("ModelBaker.Core.", System.StringComparison.Ordinal)
                    && typeof(Names).Assembly.GetManifestResourceInfo("ModelBaker." + name.Substring("ModelBaker.Core.".Length) + ".cs") != null))
            // Methods, constants, static tables and nested types: each becomes a member of the generated class (CS0542).
            .SelectMany(t => t.GetMembers(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.DeclaredOnly))
            .Where(m => m is System.Reflection.MethodInfo or System.Reflection.FieldInfo or System.Type)
            .Select(m => m.Name)
            .Where(n => !n.Contains("<"))
            // The nested class that holds a resource's weights (Generation.ClassEmitter.WeightResourceClass).
            .Append("BakedWeights"),
        System.StringComparer.Ordinal);

    private static readonly string[] Keywords =
    {
        "abstract", "as", "base", "bool", "break", "byte", "case", "catch", "char", "checked", "class", "const", "continue",
        "decimal", "default", "delegate", "do", "double", "else", "enum", "event", "explicit", "extern", "false", "finally",
        "fixed", "float", "for", "foreach", "goto", "if", "implicit", "in", "int", "interface", "internal", "is", "lock",
        "long", "namespace", "new", "null", "object", "operator", "out", "override", "params", "private", "protected",
        "public", "readonly", "ref", "return", "sbyte", "sealed", "short", "sizeof", "stackalloc", "static", "string",
        "struct", "switch", "this", "throw", "true", "try", "typeof", "uint", "ulong", "unchecked", "unsafe", "ushort",
        "using", "virtual", "void", "volatile", "while",
    };
}
