using ModelBaker.Cli.Conformance;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Onnx;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Tests.Operators;
using ModelBaker.Tests.Support;
using static ModelBaker.Tests.Operators.GraphBuilder;
using Attribute = ModelBaker.Core.Ir.Attribute;
using ModelBaker.Core.Generation;
using ModelBaker.Core.Interpreter;
using ModelBaker.Core.Options;

namespace ModelBaker.Tests.Codegen;

/// <summary>MaxPool's Indices output in float and int8 plans: the same positions, and generated code equal to the interpreter.</summary>
public sealed class MaxPoolIndicesTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void int8_indices_equal_float_indices_and_generated_code_matches_the_interpreter(long storageOrder)
    {
        var graph = new GraphBuilder(12).Input("x", 1, 2, 6, 6).Graph;
        graph.Add(new Value("y", ElementType.Float32));
        graph.Add(new Value("indices", ElementType.Int64));
        graph.Nodes.Add(new Node("pool", "MaxPool", new[] { "x" }, new[] { "y", "indices" }, new[]
        {
            new Attribute { Name = "kernel_shape", Kind = AttributeKind.Ints, Ints = new long[] { 3, 3 } },
            new Attribute { Name = "strides", Kind = AttributeKind.Ints, Ints = new long[] { 2, 2 } },
            new Attribute { Name = "pads", Kind = AttributeKind.Ints, Ints = new long[] { 1, 1, 1, 1 } },
            Int("storage_order", storageOrder),
        }.ToDictionary(a => a.Name)));
        graph.Outputs.AddRange(new[] { "y", "indices" });
        string folder = Path.Combine(Path.GetTempPath(), "modelbaker-argmax-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, "pool.onnx");
        OnnxModelWriter.Save(graph, path);
        var floatPlan = Baker.Bake(new BakeOptions(path, "PoolNet", "Tests") { Precision = Precision.Float32 }, new RecordingLog());
        var int8Plan = Baker.Bake(new BakeOptions(path, "PoolNet", "Tests"), new RecordingLog());
        Directory.Delete(folder, true);

        // 72 distinct values, far enough apart that int8 keeps them distinct: no ties to break differently.
        var input = Enumerable.Range(0, 72).Select(i => (i * 37 % 72) / 36f - 1f).ToArray();
        var floatIndices = (long[])PlanInterpreter.RunTensors(floatPlan, new Array[] { input })[1];
        var int8Indices = (long[])PlanInterpreter.RunTensors(int8Plan, new Array[] { input })[1];
        Assert.Equal(floatIndices, int8Indices);

        var predict = InMemoryCompiler.Compile(ClassEmitter.Emit(int8Plan), int8Plan);
        var outputs = new object[] { new float[int8Plan.Outputs[0].Length], new long[int8Plan.Outputs[1].Length] };
        predict(new object[] { input }, outputs);
        Assert.Equal(int8Indices, (long[])outputs[1]);
        Assert.Equal(PlanInterpreter.RunTensors(int8Plan, new Array[] { input })[0], (float[])outputs[0]);
    }
}
