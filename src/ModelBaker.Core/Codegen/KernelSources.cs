using System;
using System.IO;
using System.Linq;
using System.Reflection;

namespace ModelBaker.Core.Codegen;

/// <summary>
/// The reference implementations of the kernels as source text: the part of each Kernels/*.cs file between
/// <c>// &lt;emit&gt;</c> and <c>// &lt;/emit&gt;</c>, embedded as a resource at build time. Generated classes get
/// these exact lines (made private), so generated code and the interpreter cannot drift apart.
/// </summary>
public static class KernelSources
{
    private const string Begin = "// <emit>";
    private const string End = "// </emit>";

    /// <summary>Removes up to <paramref name="indent"/> leading spaces (preprocessor lines start in column 0).</summary>
    private static string Dedent(string line, int indent)
    {
        int spaces = 0;
        while (spaces < indent && spaces < line.Length && line[spaces] == ' ') spaces++;
        return line.Substring(spaces);
    }

    public static string Get(string kernelFileName)
    {
        string resource = "ModelBaker.Kernels." + kernelFileName + ".cs";
        using var stream = typeof(KernelSources).GetTypeInfo().Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"Kernel source '{resource}' is not embedded in {typeof(KernelSources).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        string[] lines = reader.ReadToEnd().Replace("\r\n", "\n").Split('\n');
        int begin = Array.FindIndex(lines, l => l.Trim() == Begin);
        int end = Array.FindIndex(lines, l => l.Trim() == End);
        if (begin < 0 || end < begin) throw new InvalidOperationException($"Kernel source '{resource}' has no emit markers.");
        int indent = lines[begin].Length - lines[begin].TrimStart().Length;
        return string.Join("\n", lines.Skip(begin + 1).Take(end - begin - 1)
            .Select(l => Dedent(l, indent))
            .Select(l => l.StartsWith("public static ", StringComparison.Ordinal) ? "private static " + l.Substring("public static ".Length) : l));
    }
}
