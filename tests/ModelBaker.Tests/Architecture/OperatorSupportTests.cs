using System.Threading.Tasks;
using ModelBaker.Cli.Conformance;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Onnx;
using ModelBaker.Core.Operators;
using ModelBaker.Core.Options;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Tests.Operators;
using ModelBaker.Tests.Support;
using Xunit.Abstractions;
using Attribute = ModelBaker.Core.Ir.Attribute;

namespace ModelBaker.Tests.Architecture;

/// <summary>
/// Each operator's <see cref="IOperator.Support"/> (what docs/operators.md says of it) held to what its models really
/// bake to: every ONNX model under tests/data (the backend node cases with their bake-time inputs bound, the tree,
/// classical and real models; not the large light ones), and a few small graphs built here for uses those models lack,
/// is baked float, int8 and for nanoFramework, and each node's steps in those plans are the evidence. A claim needs a
/// model that shows it, and no model may contradict it.
/// </summary>
public sealed class OperatorSupportTests
{
    private readonly ITestOutputHelper _output;

    public OperatorSupportTests(ITestOutputHelper output) => _output = output;

    private enum Outcome { Ok, Refused, Broken }

    /// <summary>One node of one model in the three bakes. Relevant: the node reads or writes a float32 tensor.</summary>
    private sealed record Use(string Model, string Node, string OpType, bool Relevant, int FloatSteps,
        Outcome? Int8, bool Island, int Int8Steps, string? Int8Error, Outcome? Nano, int NanoSteps, string? NanoError);

    private static readonly Lazy<IReadOnlyList<Use>> Uses = new(Collect);

    private static IReadOnlyList<Use> Collect()
    {
        var models = Directory.GetFiles(TestData.Root, "*.onnx", SearchOption.AllDirectories)
            .Where(p => !p.Contains(Path.DirectorySeparatorChar + "light" + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            .OrderBy(p => p, StringComparer.Ordinal)
            .Select(p => (Name: Path.GetRelativePath(TestData.Root, p), Load: (Func<Graph>)(() => Load(p))))
            .Concat(Built()).ToList();
        var uses = new System.Collections.Concurrent.ConcurrentBag<Use>();
        Parallel.ForEach(models, new ParallelOptions { MaxDegreeOfParallelism = 2 }, model =>
        {
            foreach (var use in UsesOf(model.Name, model.Load)) uses.Add(use);
        });
        return uses.ToList();
    }

    /// <summary>
    /// Uses the models under tests/data lack: operators found there only inside models with float islands or not at
    /// all (LRN, the com.microsoft Gelus), constant operands (comparisons against thresholds, Gather's constant indices,
    /// a scalar power), bake-time operators, a float-to-integer Cast and a lone DequantizeLinear.
    /// </summary>
    private static IEnumerable<(string Name, Func<Graph> Load)> Built()
    {
        static Attribute Value(Tensor value) => new() { Name = "value", Kind = AttributeKind.Tensor, Tensor = value };
        static GraphBuilder X(params int[] shape) => new GraphBuilder().Input("x", shape);
        yield return ("built LRN", () => X(1, 4, 3, 3).Node("LRN", new[] { "x" }, new[] { "y" }, GraphBuilder.Int("size", 3)).Output("y").Graph);
        yield return ("built Gelu", () => X(1, 8).Node("com.microsoft:Gelu", new[] { "x" }, new[] { "y" }).Output("y").Graph);
        yield return ("built FastGelu", () => X(1, 2, 4).Constant("bias", T.F(T.S(4), 0.1f, -0.2f, 0.3f, 0f))
            .Node("com.microsoft:FastGelu", new[] { "x", "bias" }, new[] { "y" }).Output("y").Graph);
        yield return ("built Shape", () => X(1, 2, 3).Node("Shape", new[] { "x" }, new[] { "s" }).Node("Reshape", new[] { "x", "s" }, new[] { "r" })
            .Node("Relu", new[] { "r" }, new[] { "y" }).Output("y").Graph);
        yield return ("built Constant", () => X(1, 4).Node("Constant", Array.Empty<string>(), new[] { "c" }, Value(T.F(T.S(4), 1f, 2f, 3f, 4f)))
            .Node("Add", new[] { "x", "c" }, new[] { "y" }).Output("y").Graph);
        yield return ("built ConstantOfShape", () => X(1, 4).Constant("shape", T.I(T.S(2), 1, 4))
            .Node("ConstantOfShape", new[] { "shape" }, new[] { "c" }, Value(T.F(T.S(1), 0.5f)))
            .Node("Mul", new[] { "x", "c" }, new[] { "y" }).Output("y").Graph);
        yield return ("built DequantizeLinear", () => new GraphBuilder().Input("q", ElementType.Int8, 1, 4).Constant("scale", T.F(T.S(), 0.5f))
            .Constant("zero", Tensor.FromInt64s(T.S(), new long[] { 3 }, ElementType.Int8))
            .Node("DequantizeLinear", new[] { "q", "scale", "zero" }, new[] { "y" }).Output("y").Graph);
        yield return ("built Gather", () => X(3, 4).Constant("indices", T.I(T.S(2), 2, 0))
            .Node("Gather", new[] { "x", "indices" }, new[] { "y" }).Output("y").Graph);
        yield return ("built Pow", () => X(1, 4).Constant("two", T.F(T.S(), 2f)).Node("Pow", new[] { "x", "two" }, new[] { "y" }).Output("y").Graph);
        yield return ("built Mod", () => X(1, 4).Constant("d", T.F(T.S(), 1.5f)).Node("Mod", new[] { "x", "d" }, new[] { "y" }, GraphBuilder.Int("fmod", 1)).Output("y").Graph);
        yield return ("built Cast", () => X(1, 4).Node("Cast", new[] { "x" }, new[] { "y" }, GraphBuilder.Int("to", 6)).Output("y").Graph);
        yield return ("built Range", () => X(1, 4).Constant("start", T.F(T.S(), 0f)).Constant("limit", T.F(T.S(), 2f)).Constant("delta", T.F(T.S(), 0.5f))
            .Node("Range", new[] { "start", "limit", "delta" }, new[] { "r" }).Node("Add", new[] { "x", "r" }, new[] { "y" }).Output("y").Graph);
        // The QOperator ops (com.microsoft QLinear*, QGemm), as their own tests build them.
        foreach (var c in Operators.QOperatorTests.Cases()) yield return ("built " + (string)c[0], (Func<Graph>)c[1]);
        yield return ("built ConvInteger form", () => Operators.QOperatorTests.IntegerForm(conv: true, perChannel: true));
        yield return ("built MatMulInteger form", () => Operators.QOperatorTests.IntegerForm(conv: false, perChannel: false));
        yield return ("built comparisons", () =>
        {
            var b = X(1, 4).Constant("t", T.F(T.S(4), -0.5f, 0f, 0.25f, 0.5f)).Constant("zero", T.F(T.S(1), 0f));
            foreach (string op in new[] { "Less", "LessOrEqual", "Greater", "GreaterOrEqual", "Equal" })
                b.Node(op, new[] { "x", "t" }, new[] { op }).Output(op);
            return b.Node("Where", new[] { "Less", "x", "zero" }, new[] { "y" }).Output("y").Graph;
        });
    }

    /// <summary>The model as the conformance runner bakes it: bake-time inputs given as graph inputs bound to the first data set.</summary>
    private static Graph Load(string path)
    {
        var graph = OnnxModelReader.Load(path);
        string dataSet = Path.Combine(Path.GetDirectoryName(path)!, "test_data_set_0");
        if (!Directory.Exists(dataSet)) return graph;
        var files = Directory.GetFiles(dataSet, "input_*.pb")
            .OrderBy(f => int.Parse(Path.GetFileNameWithoutExtension(f)["input_".Length..], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        var inputs = graph.Inputs.Zip(files, (name, file) => (Name: name, File: file)).ToList();
        foreach (string name in BakeTimeInputs.Find(graph))
        {
            var tensor = TensorConverter.ReadTensorFile(inputs.First(i => i.Name == name).File);
            graph[name].Constant = tensor;
            graph[name].Shape = tensor.Shape;
            graph.Inputs.Remove(name);
        }
        foreach (var (name, file) in inputs.Where(i => graph.Inputs.Contains(i.Name)))
            graph[name].Shape = TensorConverter.ReadTensorFile(file).Shape;
        return graph;
    }

    private static IEnumerable<Use> UsesOf(string model, Func<Graph> load)
    {
        Graph graph;
        try { graph = load(); }
        catch (BakeException) { yield break; }
        if (graph.Nodes.Any(n => OperatorRegistry.Find(n.OpType) == null)) yield break;

        var (floatOutcome, floatPlan, floatGraph, _) = Bake(model, load, Precision.Float32, CodeTarget.Net);
        if (floatOutcome != Outcome.Ok) yield break;
        var (int8, int8Plan, _, int8Error) = Bake(model, load, Precision.Int8, CodeTarget.Net);
        var (nano, nanoPlan, _, nanoError) = Bake(model, load, Precision.Int8, CodeTarget.NanoFramework);
        // The nodes as loaded: constant folding removes the ones it computes from the baked graph.
        foreach (var node in graph.Nodes)
        {
            // A node's steps; an expanded node's (Scan) are those of the nodes it became, named "<node>/…".
            string name = node.Describe();
            string part = OperatorRegistry.Find(node.OpType) is IExpansion ? $"'{Text.Printable(node.Name)}/" : name;
            List<Kernel> Steps(BakedPlan? plan) => plan == null ? new List<Kernel>()
                : plan.Kernels.Where(k => (k.Source.Contains(name, StringComparison.Ordinal) || k.Source.Contains(part, StringComparison.Ordinal))
                    && k is not FloatIslandEntry and not FloatIslandExit).ToList();
            bool relevant = node.Inputs.Concat(node.Outputs).Where(v => v.Length > 0)
                .Any(v => (floatGraph!.Values.TryGetValue(v, out var baked) ? baked : graph.Values.GetValueOrDefault(v))?.Type == ElementType.Float32);
            var int8Steps = Steps(int8Plan);
            yield return new Use(model, name, node.OpType, relevant, Steps(floatPlan).Count,
                int8, int8Steps.Any(k => k is IFloatOnlyKernel), int8Steps.Count, int8Error, nano, Steps(nanoPlan).Count, nanoError);
        }
    }

    private static (Outcome Outcome, BakedPlan? Plan, Graph? Graph, string? Error) Bake(string model, Func<Graph> load, Precision precision, CodeTarget target)
    {
        try
        {
            var graph = load();
            var options = new BakeOptions(model + ".onnx", "Model", "Checks") { Precision = precision, Target = target };
            var plan = Baker.Bake(graph, "checks", options, new RecordingLog());
            return (Outcome.Ok, plan, graph, null);
        }
        catch (BakeException e) when (e.Code != ErrorCodes.InternalError)
        {
            return (Outcome.Refused, null, null, e.Code);
        }
        catch (Exception e) when (e is BakeException or InvalidOperationException or ArgumentException or IndexOutOfRangeException or NotSupportedException)
        {
            return (Outcome.Broken, null, null, e.GetType().Name + ": " + e.Message);
        }
    }

    private static string Show(Use u) => $"{u.Model} {u.Node}";

    [Fact]
    public void Every_operators_int8_and_nanoFramework_claims_hold_on_its_models()
    {
        var uses = Uses.Value;
        var problems = new List<string>();
        foreach (var op in OperatorRegistry.All)
        {
            var s = op.Support;
            var mine = uses.Where(u => u.OpType == op.OpType).ToList();
            if (mine.Count == 0)
            {
                problems.Add($"{op.OpType}: no model under tests/data (nor one built here) bakes it, so its declaration is unchecked.");
                continue;
            }
            var relevant = mine.Where(u => u.Relevant).ToList();
            string Example(IEnumerable<Use> e) => e.Select(Show).FirstOrDefault() ?? "";
            switch (s.Int8)
            {
                case Int8Form.Integer:
                    // Integer-only operators (ConvInteger, And, …) touch no float tensor: any of their models counts.
                    if (!(relevant.Count > 0 ? relevant : mine).Any(u => u.Int8 == Outcome.Ok && !u.Island))
                        problems.Add($"{op.OpType}: declared integer in int8, but no model bakes it int8 without a float island.");
                    break;
                case Int8Form.FloatIsland:
                    if (!mine.Any(u => u.Int8 == Outcome.Ok && u.Island))
                        problems.Add($"{op.OpType}: declared a float island in int8, but no model runs it in one.");
                    var integer = relevant.Where(u => u.Int8 == Outcome.Ok && !u.Island && u.Int8Steps > 0).ToList();
                    if (integer.Count > 0) problems.Add($"{op.OpType}: declared a float island in int8, but it gets integer steps only in {Example(integer)}.");
                    break;
                case Int8Form.Refused:
                    if (!relevant.Any(u => u.Int8 == Outcome.Refused))
                        problems.Add($"{op.OpType}: declared refused in int8, but no model is refused.");
                    var baked = relevant.Where(u => u.Int8 == Outcome.Ok && u.Int8Steps > 0).ToList();
                    if (baked.Count > 0) problems.Add($"{op.OpType}: declared refused in int8, but {Example(baked)} bakes to int8 steps.");
                    break;
                case Int8Form.BakeTime:
                    var stepped = mine.Where(u => u.FloatSteps > 0).ToList();
                    if (stepped.Count > 0) problems.Add($"{op.OpType}: declared folded at bake time, but it becomes a step in {Example(stepped)}.");
                    break;
            }
            if (s.Nano)
            {
                if (!(relevant.Count > 0 ? relevant : mine).Any(u => u.Nano == Outcome.Ok))
                    problems.Add($"{op.OpType}: declared run by the nanoFramework flavour, but no model of it bakes for nanoFramework " +
                        $"(e.g. {Example(relevant.Count > 0 ? relevant : mine)}: {(relevant.Count > 0 ? relevant : mine).Select(u => u.NanoError).FirstOrDefault()}).");
            }
            else
            {
                if (!mine.Any(u => u.Nano == Outcome.Refused))
                    problems.Add($"{op.OpType}: declared not run by the nanoFramework flavour, but no model of it is refused there.");
                var runs = mine.Where(u => u.Nano == Outcome.Ok && u.NanoSteps > 0).ToList();
                if (runs.Count > 0) problems.Add($"{op.OpType}: declared not run by the nanoFramework flavour, but {Example(runs)} bakes for it.");
            }
        }
        foreach (var broken in uses.Where(u => u.Int8 == Outcome.Broken || u.Nano == Outcome.Broken).Select(u => $"{u.Model}: {u.Int8Error ?? u.NanoError}").Distinct())
            _output.WriteLine("broken bake (not counted): " + broken);
        Assert.True(problems.Count == 0, $"{problems.Count} support declaration(s) disagree with the models under tests/data:\n" + string.Join("\n", problems));
    }

    [Fact]
    public void Operators_whose_code_refuses_attribute_values_declare_refusals()
    {
        // Read from the sources: an operator class (or a base class of it) that throws MB1104 itself says what it refuses.
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "ModelBaker.sln"))) dir = dir.Parent;
        string folder = Path.Combine(dir!.FullName, "src", "ModelBaker.Core", "Operators");
        var missing = new List<string>();
        foreach (var group in OperatorRegistry.All.GroupBy(op => op.GetType()))
        {
            bool throws = false;
            for (var type = group.Key; type != null && type != typeof(object); type = type.BaseType)
            {
                string file = Path.Combine(folder, type.Name + ".cs");
                if (File.Exists(file) && File.ReadAllText(file).Contains("UnsupportedUsage(", StringComparison.Ordinal)) throws = true;
            }
            if (throws && group.All(op => op.Support.Refuses.Count == 0)) missing.Add(group.Key.Name);
        }
        Assert.True(missing.Count == 0, "These operators throw MB1104 but declare no refusal: " + string.Join(", ", missing));
    }

    [Fact]
    public void The_checks_see_every_kind_of_outcome()
    {
        // The evidence is not vacuous: float islands, int8 refusals and nanoFramework refusals all occur.
        var uses = Uses.Value;
        Assert.True(uses.Count > 500, $"only {uses.Count} node uses were baked");
        Assert.Contains(uses, u => u.Int8 == Outcome.Ok && u.Island);
        Assert.Contains(uses, u => u.Int8 == Outcome.Ok && !u.Island && u.Int8Steps > 0);
        Assert.Contains(uses, u => u.Int8 == Outcome.Refused);
        Assert.Contains(uses, u => u.Nano == Outcome.Ok && u.NanoSteps > 0);
        Assert.Contains(uses, u => u.Nano == Outcome.Refused && u.NanoError == ErrorCodes.FloatIslandOnTarget);
    }
}
