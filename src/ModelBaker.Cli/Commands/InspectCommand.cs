using System.Collections.Generic;
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
    public string Name => "inspect";
    public string ArgumentsSyntax => "MODEL.onnx";
    public string Summary => "Show a model's nodes and what a bake makes of them, step by step.";
    public IReadOnlyList<OptionSpec> Options => BakeArguments.Compression;

    public int Execute(ParsedArguments args, CliContext context)
    {
        string modelPath = BakeArguments.ModelPath(args, Name);
        var options = BakeArguments.ToOptions(args, modelPath);
        var output = context.Out;

        var graph = OnnxModelReader.Load(modelPath);
        OperatorRegistry.EnsureSupported(graph);
        ShapeInference.Run(graph);
        ConstantFolding.Run(graph);

        output.WriteLine($"Model {Path.GetFileName(modelPath)} (opset {graph.Opset}, {graph.Nodes.Count} nodes after constant folding)");
        foreach (string name in graph.Inputs) output.WriteLine($"  input   {Describe(graph[name])}");
        foreach (string name in graph.Outputs) output.WriteLine($"  output  {Describe(graph[name])}");
        output.WriteLine();

        var nodes = new TextTable("node", "op", "inputs", "output", ">parameters", ">bytes (float32)");
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
        nodes.WriteTo(output);
        output.WriteLine();

        var plan = Baker.Bake(options, new ConsoleBakeLog(output, context.Error));
        output.WriteLine($"Baked plan: {plan.Header.Precision}, sparsity {Format.Fraction(plan.Header.Sparsity)}, {plan.Kernels.Count} steps");
        var steps = new TextTable(">#", "step", "kind", "output", ">bytes");
        for (int i = 0; i < plan.Kernels.Count; i++)
        {
            var kernel = plan.Kernels[i];
            steps.Row((i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), kernel.Source, kernel.Kind.ToString(),
                $"'{kernel.Output.TensorName}' ({Format.Count(kernel.Output.Length)})", Format.Count(kernel.WeightBytes));
        }
        steps.Footer("", "total", "", "", Format.Count(plan.WeightBytes));
        steps.WriteTo(output);
        output.WriteLine();

        output.WriteLine($"Weights  {Format.BeforeAfter(plan.Header.FloatWeightBytes, plan.WeightBytes)}");
        string arenas = string.Join(" + ", plan.ArenaLengths.Select(a => $"{Format.Count(a.Value)} x {ModelBaker.Core.Plan.Arenas.CSharpType(a.Key)}"));
        output.WriteLine($"Arena    {Format.Bytes(plan.ArenaBytes)} ({arenas})");
        return 0;
    }

    private static string Describe(Value value) => $"'{value.Name}' {value.Type.ToString().ToLowerInvariant()}{Format.Shape(value.Shape)}";
}
