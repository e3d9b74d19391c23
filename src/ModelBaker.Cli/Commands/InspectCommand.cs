using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Linq;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Onnx;
using ModelBaker.Core.Operators;
using ModelBaker.Core.Passes;
using ModelBaker.Core.Pipeline;

namespace ModelBaker.Cli.Commands;

/// <summary>
/// `modelbaker inspect MODEL.onnx`: the model's nodes with their shapes and float parameters, then the plan a bake
/// with the given options makes of them — what each step keeps, and how much smaller the whole gets.
/// </summary>
public sealed class InspectCommand : ICommand
{
    private readonly BakeArguments bake = new();

    public InspectCommand() =>
        Definition = bake.AddTo(new Command("inspect", "Show a model's nodes and what a bake makes of them, step by step."), naming: false);

    public Command Definition { get; }

    public int Execute(ParseResult parsed, CliContext context)
    {
        string modelPath = bake.ModelPath(parsed);
        var options = bake.ToOptions(parsed);
        var output = context.Out;

        var graph = OnnxModelReader.Load(modelPath);
        OperatorRegistry.EnsureSupported(graph);
        ShapeInference.Run(graph);
        ConstantFolding.Run(graph);

        output.WriteLine($"Model {Path.GetFileName(modelPath)} (opset {graph.Opset}, {graph.Nodes.Count} nodes after constant folding)");
        foreach (string name in graph.Inputs) output.WriteLine($"  input   {Describe(graph[name])}");
        foreach (string name in graph.Outputs) output.WriteLine($"  output  {Describe(graph[name])}");
        output.WriteLine();

        var nodes = Tables.Create("node", "op", "inputs", "output", ">parameters", ">bytes (float32)");
        long totalParameters = 0;
        foreach (var node in graph.Nodes)
        {
            var present = node.Inputs.Where(n => n.Length > 0).Select(n => graph[n]).ToList();
            long parameters = present.Where(v => v.IsConstant && v.Type == ElementType.Float32).Sum(v => (long)v.Constant!.Length);
            totalParameters += parameters;
            nodes.Row(node.Name, node.OpType,
                string.Join(" ", present.Where(v => !v.IsConstant).Select(v => Format.Shape(v.Shape))),
                string.Join(" ", node.Outputs.Where(n => n.Length > 0).Select(n => Format.Shape(graph[n].Shape))),
                Format.Count(parameters), Format.Count(4 * parameters));
        }
        nodes.Footer("total", "", "", "", Format.Count(totalParameters), Format.Count(4 * totalParameters));
        Tables.Write(output, nodes);
        output.WriteLine();

        var plan = BakeProgress.Run(context, log => Baker.Bake(options, log));
        output.WriteLine($"Baked plan: {plan.Header.Precision}, sparsity {Format.Fraction(plan.Header.Sparsity)}, {plan.Kernels.Count} steps");
        var steps = Tables.Create(">#", "step", "kind", "output", ">bytes");
        for (int i = 0; i < plan.Kernels.Count; i++)
        {
            var kernel = plan.Kernels[i];
            steps.Row((i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), kernel.Source, kernel.Kind.ToString(),
                $"'{kernel.Output.TensorName}' ({Format.Count(kernel.Output.Length)})", Format.Count(kernel.WeightBytes));
        }
        steps.Footer("", "total", "", "", Format.Count(plan.WeightBytes));
        Tables.Write(output, steps);
        output.WriteLine();

        output.WriteLine($"Weights  {Format.BeforeAfter(plan.Header.FloatWeightBytes, plan.WeightBytes)}");
        string arenas = string.Join(" + ", plan.ArenaLengths.Select(a => $"{Format.Count(a.Value)} x {ModelBaker.Core.Plan.Arenas.CSharpType(a.Key)}"));
        output.WriteLine($"Arena    {Format.Bytes(plan.ArenaBytes)} ({arenas})");
        return 0;
    }

    private static string Describe(Value value) => $"'{value.Name}' {value.Type.ToString().ToLowerInvariant()}{Format.Shape(value.Shape)}";
}
