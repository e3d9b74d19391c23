using System;
using System.Text.RegularExpressions;

namespace ModelBaker.Core.Codegen;

/// <summary>
/// One nanoFramework method per element type from one text, since nanoFramework has no generics. A kernel writes the
/// method once, for int64, in an <c>// &lt;emit Block&gt;</c> block: <c>TElement</c> (a using alias of
/// <c>System.Int64</c> in the kernel's file) is the element type, <c>TWide</c> (an alias of <c>System.Int64</c>) the
/// type it widens to for arithmetic and ordering that must not wrap (<c>ulong</c> for the unsigned types, so a uint64
/// of 2^63 and above stays above 2^63 − 1), and <c>TypeName</c> the type's name in method names and comments
/// ("Int16"). A step asks for one instance by its helper name, "File#Block@Int16" (<see cref="Helper"/>): the block's
/// text with those three words replaced. The int64 instance is the block as written, so Core compiles it and the
/// nanoFramework tests run every instance.
/// </summary>
public static class NanoTypeTemplate
{
    private static readonly Regex Element = new(@"\bTElement\b", RegexOptions.Compiled);
    private static readonly Regex Wide = new(@"\bTWide\b", RegexOptions.Compiled);
    private static readonly Regex Name = new(@"TypeName\b", RegexOptions.Compiled);

    /// <summary>The helper name of <paramref name="block"/> ("File#Block") for the type named <paramref name="typeName"/> ("Int16").</summary>
    public static string Helper(string block, string typeName)
    {
        CSharpType(typeName);
        return block + "@" + typeName;
    }

    /// <summary>The C# type of a type name: "Int16" → "short".</summary>
    public static string CSharpType(string typeName) => typeName switch
    {
        "Int8" => "sbyte",
        "UInt8" => "byte",
        "Int16" => "short",
        "UInt16" => "ushort",
        "Int32" => "int",
        "UInt32" => "uint",
        "Int64" => "long",
        "UInt64" => "ulong",
        "Bool" => "bool",
        _ => throw new ArgumentOutOfRangeException(nameof(typeName), typeName, "Per-type nanoFramework methods are for integer and bool types."),
    };

    /// <summary>The type values of <paramref name="typeName"/> widen to: unsigned ones to ulong, the others to long.</summary>
    private static string WideType(string typeName) => typeName.StartsWith("UInt", StringComparison.Ordinal) ? "ulong" : "long";

    /// <summary>The block's text for one type.</summary>
    public static string Instantiate(string text, string typeName) =>
        Name.Replace(Wide.Replace(Element.Replace(text, CSharpType(typeName)), WideType(typeName)), typeName);
}
