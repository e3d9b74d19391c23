using System;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Linq;
using System.Text;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Generation;
using ModelBaker.Core.Serialization;

namespace ModelBaker.Cli.Commands;

/// <summary>
/// `modelbaker bake MODEL.onnx`: the MSBuild task's bake, writing the plan (`MODEL.mbake`) and the generated C#
/// (`ClassName.g.cs`), and with resource weight storage `ClassName.weights`, into a folder, for projects that cannot run the task (nanoFramework) or to look at the code.
/// </summary>
public sealed class BakeCommand : ICommand
{
    private readonly BakeArguments bake = new();
    private readonly Option<string> output = BakeArguments.Text("--output", "DIR", "Folder for the .mbake and .g.cs files (default: the current folder).", "-o");

    public BakeCommand()
    {
        Definition = bake.AddTo(new Command("bake", "Bake a model into a plan (.mbake) and plain C# (.g.cs)."), naming: true);
        Definition.Options.Add(output);
    }

    public Command Definition { get; }

    public int Execute(ParseResult parsed, CliContext context)
    {
        string modelPath = bake.ModelPath(parsed);
        var options = bake.ToOptions(parsed);
        string directory = Path.GetFullPath(parsed.GetValue(output) ?? Directory.GetCurrentDirectory());

        var plan = BakeProgress.Run(context, log => Baker.Bake(options, log));
        var (code, weights) = ClassEmitter.EmitWithWeights(plan);

        string planPath = Path.Combine(directory, Path.GetFileNameWithoutExtension(modelPath) + ".mbake");
        string codePath = Path.Combine(directory, options.ClassName + ".g.cs");
        var (weightsPath, logicalName) = GenerateCommand.WeightResourceFile(directory, options.ClassName, plan.Header);
        if (weights != null) Write(weightsPath, () => AtomicFile.Write(weightsPath, weights));
        Write(planPath, () => AtomicFile.Write(planPath, PlanFile.ToBytes(plan)));
        Write(codePath, () => AtomicFile.WriteText(codePath, code));

        var h = plan.Header;
        context.Out.WriteLine($"Baked {h.ModelFileName} into {h.Namespace}.{h.ClassName}");
        context.Out.WriteLine($"  precision  {h.Precision}");
        context.Out.WriteLine($"  sparsity   {Format.Fraction(h.Sparsity)}");
        context.Out.WriteLine($"  weights    {Format.BeforeAfter(h.FloatWeightBytes, plan.WeightBytes)}");
        context.Out.WriteLine($"  arena      {Format.Bytes(plan.ArenaBytes)} (lower bound {Format.Bytes(ClassEmitter.LowerBoundBytes(plan))})");
        context.Out.WriteLine($"  steps      {plan.Kernels.Count}");
        context.Out.WriteLine($"  inputs     {string.Join(", ", plan.Inputs.Select(Format.Tensor))}");
        context.Out.WriteLine($"  outputs    {string.Join(", ", plan.Outputs.Select(Format.Tensor))}");
        context.Out.WriteLine($"Wrote {planPath}");
        context.Out.WriteLine($"Wrote {codePath}");
        if (weights != null) GenerateCommand.PrintEmbedding(context, weightsPath, logicalName, codePath, h.Target);
        return 0;
    }

    internal static void Write(string path, Action write)
    {
        try
        {
            write();
        }
        catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
        {
            throw new BakeException(ErrorCodes.PlanWriteFailed, $"Could not write '{path}': {e.Message}");
        }
    }
}
