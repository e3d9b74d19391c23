using ModelBaker.Core.Pipeline;

namespace ModelBaker.Tests.Architecture;

/// <summary>
/// ModelBaker.Core's folders (namespaces) form layers that only point down, as docs/architecture.md draws them. Read
/// from the compiled assembly, so any type reference counts: a using, a field, a lambda, a cref-free call.
/// </summary>
public sealed class LayeringTests
{
    /// <summary>Bottom to top; a layer may use only the layers before it. Keep docs/architecture.md in step.</summary>
    public static readonly string[] Layers =
    {
        "Diagnostics",   // error codes, BakeException, the log interface, text made safe to show
        "Options",       // what a user can ask for (BakeOptions, Precision, CodeTarget, …) and how names become C#
        "Ir",            // the graph: nodes, values, tensors, shapes, attributes
        "Onnx",          // protobuf ↔ graph, external data, the model checker
        "Codegen",       // writing C#: CodeWriter, constant arrays, the kernels' emitted sources
        "Plan",          // the plan's vocabulary: steps, arena slices, binary primitives, the memory planner
        "Encodings",     // how int8 weights are stored: one class per encoding, its decoders for both flavours
        "Quantization",  // int8 parameters of tensors and the context that hands them to steps
        "Kernels",       // every step: reference run, emitted code, serialization, its int8 form
        "Serialization", // the .mbake file: header and steps by kind
        "Generation",    // a whole plan as one C# class, .NET and nanoFramework
        "NanoFramework", // a compiled assembly measured against nanoCLR's limits
        "Lowering",      // what operators use to become steps: the context, fusions
        "Operators",     // ONNX operators: shape rules, float semantics, lowering
        "Passes",        // whole-graph passes: shape inference, constant folding, lowering the graph
        "Interpreter",   // run a graph (float) or a plan (any precision)
        "Calibration",   // representative inputs and the ranges they give
        "Compression",   // pruning, reconstruction, distillation, clustering, the int8 quantizer
        "Reporting",     // what a bake did and how accurate it is
        "Pipeline",      // the bake, top to bottom, and the options parser
    };

    private static List<(string From, string To, string Example)> CoreReferences() =>
        NamespaceReferences.Read(typeof(Baker).Assembly.Location, "ModelBaker.Core")
            .Select(e => (From: NamespaceReferences.Layer(e.From, "ModelBaker.Core")!, To: NamespaceReferences.Layer(e.To, "ModelBaker.Core"),
                Example: $"{Outer(e.From).FullName} uses {Outer(e.To).FullName}"))
            .Where(e => e.To != null && e.From != e.To)
            .Select(e => (e.From, e.To!, e.Example))
            .ToList();

    /// <summary>Every reference that points up (or out of the list), one line per pair of layers with an example.</summary>
    public static List<string> Violations(IEnumerable<(string From, string To, string Example)> references, IReadOnlyList<string> layers)
    {
        int Rank(string layer) => layers.ToList().IndexOf(layer);
        return references
            .Where(r => Rank(r.From) < 0 || Rank(r.To) < 0 || Rank(r.To) > Rank(r.From))
            .GroupBy(r => (r.From, r.To))
            .Select(g => Rank(g.Key.From) < 0 || Rank(g.Key.To) < 0
                ? $"{g.Key.From} → {g.Key.To}: a folder missing from the layer list (place it in LayeringTests.Layers and docs/architecture.md); e.g. {g.First().Example}"
                : $"{g.Key.From} → {g.Key.To} points up ({g.Count()} references); e.g. {g.First().Example}")
            .OrderBy(line => line, StringComparer.Ordinal)
            .ToList();
    }

    [Fact]
    public void Core_namespaces_only_use_the_layers_below_them()
    {
        var violations = Violations(CoreReferences(), Layers);
        Assert.True(violations.Count == 0, "Upward references in ModelBaker.Core:\n" + string.Join("\n", violations));
    }

    [Fact]
    public void Every_Core_namespace_is_placed_in_the_layer_list()
    {
        using var module = Mono.Cecil.ModuleDefinition.ReadModule(typeof(Baker).Assembly.Location);
        var namespaces = module.Types.Select(t => NamespaceReferences.Layer(t, "ModelBaker.Core")).Where(n => n != null).Distinct();
        Assert.Empty(namespaces.Except(Layers));
    }

    [Fact]
    public void An_upward_reference_is_reported_with_an_example()
    {
        // What the test above would say if, say, a kernel called the bake.
        var references = CoreReferences().Append(("Kernels", "Pipeline", "ModelBaker.Core.Kernels.ConvInt8 uses ModelBaker.Core.Pipeline.Baker")).ToList();
        var violation = Assert.Single(Violations(references, Layers));
        Assert.Equal("Kernels → Pipeline points up (1 references); e.g. ModelBaker.Core.Kernels.ConvInt8 uses ModelBaker.Core.Pipeline.Baker", violation);
    }

    [Fact]
    public void The_architecture_document_lists_the_layers_in_the_same_order()
    {
        string doc = File.ReadAllText(Path.Combine(RepoRoot(), "docs", "architecture.md"));
        var listed = System.Text.RegularExpressions.Regex.Matches(doc, @"^\d+\. \*\*(\w+)\*\*", System.Text.RegularExpressions.RegexOptions.Multiline)
            .Select(m => m.Groups[1].Value).ToArray();
        Assert.Equal(Layers, listed);
    }

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "ModelBaker.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("No ModelBaker.sln above the test assembly.");
    }

    private static Mono.Cecil.TypeReference Outer(Mono.Cecil.TypeReference t)
    {
        while (t.DeclaringType != null) t = t.DeclaringType;
        return t;
    }
}
