using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;

namespace ModelBaker.Core.Codegen;

/// <summary>
/// Keeps, of the kernels' reference implementations copied into a generated class, only the methods something calls:
/// a model whose int8 steps all requantize with FixedPoint.Requantize gets no MultiplyByQuantizedMultiplier. A method is
/// kept when its name appears in the rest of the class or in a kept method — so is a nested class (a weight encoding's
/// row reader), which ends with a `}` at column 0; everything else in a block (fields,
/// preprocessor lines) stays. The blocks are the kernels' own text (<see cref="KernelSources"/>), whose methods start at
/// column 0 with their doc comments and attributes and end with a `}` at column 0 or, written with `=>`, at the first
/// line ending in `;`.
/// </summary>
public static class UnusedHelpers
{
    private static readonly Regex MethodDeclaration = new(@"^(?:private|public|internal) static (?:unsafe )?[\w<>\[\],.? ]+? (\w+)(?:<[\w, ]+>)?\(", RegexOptions.Compiled);
    private static readonly Regex ClassDeclaration = new(@"^(?:private|public|internal) (?:sealed |abstract )?class (\w+)", RegexOptions.Compiled);

    private sealed class Chunk
    {
        public Chunk(string? method, List<string> lines) => (Method, Lines) = (method, lines);
        public string? Method { get; }
        public List<string> Lines { get; }
        public string Text => string.Join("\n", Lines);
    }

    /// <param name="callers">The class without its helper blocks: what the steps call.</param>
    /// <param name="blocks">Each helper block's text, as <see cref="KernelSources.Get"/> gives it.</param>
    /// <returns>Each block with its uncalled methods removed; an empty string where nothing of a block is called.</returns>
    public static IReadOnlyList<string> Prune(string callers, IReadOnlyList<string> blocks)
    {
        var parsed = blocks.Select(Parse).ToList();
        var methods = parsed.SelectMany(chunks => chunks).Where(c => c.Method != null).ToList();
        var names = new HashSet<string>(methods.Select(c => c.Method!), StringComparer.Ordinal);

        var kept = new HashSet<string>(names.Where(name => Mentions(callers, name)), StringComparer.Ordinal);
        // Always-kept chunks (fields, constants) may call methods too.
        var pending = new Queue<string>(parsed.SelectMany(chunks => chunks).Where(c => c.Method == null).Select(c => c.Text)
            .Concat(methods.Where(c => kept.Contains(c.Method!)).Select(c => c.Text)));
        while (pending.Count > 0)
        {
            string text = pending.Dequeue();
            foreach (string name in names)
                if (!kept.Contains(name) && Mentions(text, name))
                {
                    kept.Add(name);
                    foreach (var chunk in methods.Where(c => c.Method == name)) pending.Enqueue(chunk.Text);
                }
        }

        return parsed.Select(chunks =>
        {
            var keptChunks = chunks.Where(c => c.Method == null || kept.Contains(c.Method)).ToList();
            if (chunks.Any(c => c.Method != null) && !keptChunks.Any(c => c.Method != null)) return "";
            return string.Join("\n\n", keptChunks.Select(c => c.Text));
        }).ToList();
    }

    private static bool Mentions(string text, string name) => Regex.IsMatch(text, @"\b" + Regex.Escape(name) + @"\b");

    /// <summary>The block as a sequence of chunks: each method with the comments and attributes above it, and what lies between.</summary>
    private static List<Chunk> Parse(string block)
    {
        var lines = block.Replace("\r\n", "\n").Split('\n');
        var chunks = new List<Chunk>();
        var preamble = new List<string>(); // the doc comments and attributes above the next line that is neither
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i];
            if (line.Trim().Length == 0) continue; // chunks are joined with one blank line
            if (line.StartsWith("///", StringComparison.Ordinal) || line.StartsWith("[", StringComparison.Ordinal))
            {
                preamble.Add(line);
                continue;
            }
            var declaration = MethodDeclaration.Match(line);
            if (!declaration.Success) declaration = ClassDeclaration.Match(line);
            var chunk = new List<string>(preamble) { line };
            preamble = new List<string>();
            if (!declaration.Success)
            {
                // A loose line (a field, a preprocessor directive): kept as it is.
                chunks.Add(new Chunk(null, chunk));
                continue;
            }
            int end = EndOf(lines, i);
            for (int j = i + 1; j <= end; j++) chunk.Add(lines[j]);
            chunks.Add(new Chunk(declaration.Groups[1].Value, chunk));
            i = end;
        }
        if (preamble.Count > 0) chunks.Add(new Chunk(null, preamble));
        return chunks;
    }

    /// <summary>The last line of the method declared at <paramref name="start"/>.</summary>
    private static int EndOf(string[] lines, int start)
    {
        // A nested class (a weight encoding's row reader): to its closing brace at column 0.
        if (ClassDeclaration.IsMatch(lines[start]))
        {
            for (int i = start + 1; i < lines.Length; i++)
                if (lines[i] == "}") return i;
        }
        // A body on the declaration's own line: "… Cast(…) { … }".
        if (lines[start].TrimEnd().EndsWith("}", StringComparison.Ordinal) && lines[start].Contains("{")) return start;
        for (int i = start; i < lines.Length; i++)
        {
            if (lines[i] == "{")
            {
                for (int j = i + 1; j < lines.Length; j++)
                    if (lines[j] == "}") return j;
                break;
            }
            if (lines[i].Contains("=>"))
            {
                for (int j = i; j < lines.Length; j++)
                    if (lines[j].TrimEnd().EndsWith(";", StringComparison.Ordinal)) return j;
                break;
            }
        }
        throw new InvalidOperationException($"A kernel block's method at '{lines[start]}' has no end this parser recognises.");
    }
}
