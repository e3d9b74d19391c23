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

    private static Assembly Assembly => typeof(KernelSources).GetTypeInfo().Assembly;

    /// <summary>
    /// The folder of Core whose file holds the block: Kernels, Encodings for the weight encodings, or Ir for what the importer
    /// shares with generated code (float16 conversions).
    /// </summary>
    private static string Folder(string fileName) =>
        Assembly.GetManifestResourceInfo("ModelBaker.Encodings." + fileName + ".cs") != null ? "Encodings"
        : Assembly.GetManifestResourceInfo("ModelBaker.Ir." + fileName + ".cs") != null ? "Ir" : "Kernels";

    /// <summary>Where a helper's text comes from, for the comment above it in generated code: "Kernels/ConvInt8.cs (block Nano)".</summary>
    public static string Origin(string helper)
    {
        int at = helper.IndexOf('@');
        if (at >= 0) return Origin(helper.Substring(0, at)).TrimEnd(')') + $", for {helper.Substring(at + 1)})";
        int hash = helper.IndexOf('#');
        string file = hash < 0 ? helper : helper.Substring(0, hash);
        return $"{Folder(file)}/{file}.cs" + (hash < 0 ? "" : $" (block {helper.Substring(hash + 1)})");
    }

    /// <param name="helper">
    /// A kernel file name ("FullyConnectedInt8") for its main block, or "File#Block" for a named block, marked
    /// <c>// &lt;emit Block&gt;</c> … <c>// &lt;/emit&gt;</c> (variants only some plans need, such as sparse encodings).
    /// Either may end in "@Int16": the block as a per-type template (<see cref="NanoTypeTemplate"/>), instantiated for that type.
    /// </param>
    public static string Get(string helper)
    {
        int at = helper.IndexOf('@');
        if (at >= 0) return NanoTypeTemplate.Instantiate(Get(helper.Substring(0, at)), helper.Substring(at + 1));
        int hash = helper.IndexOf('#');
        string kernelFileName = hash < 0 ? helper : helper.Substring(0, hash);
        string begin = hash < 0 ? Begin : "// <emit " + helper.Substring(hash + 1) + ">";
        string resource = "ModelBaker." + Folder(kernelFileName) + "." + kernelFileName + ".cs";
        using var stream = Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"Kernel source '{resource}' is not embedded in {Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        string[] lines = reader.ReadToEnd().Replace("\r\n", "\n").Split('\n');
        int first = Array.FindIndex(lines, l => l.Trim() == begin);
        int end = first < 0 ? -1 : Array.FindIndex(lines, first, l => l.Trim() == End);
        if (first < 0 || end < first) throw new InvalidOperationException($"Kernel source '{resource}' has no '{begin}' block.");
        int indent = lines[first].Length - lines[first].TrimStart().Length;
        return string.Join("\n", lines.Skip(first + 1).Take(end - first - 1)
            .Select(l => Dedent(l, indent))
            .Select(MadePrivate));
    }

    /// <summary>A member declared at the block's top level becomes private to the generated class (methods, constants and nested classes).</summary>
    private static string MadePrivate(string line)
    {
        foreach (string modifier in new[] { "public static ", "public const ", "public sealed class ", "public abstract class " })
            if (line.StartsWith(modifier, StringComparison.Ordinal)) return "private " + line.Substring("public ".Length);
        return line;
    }
}
