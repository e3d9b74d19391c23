using ModelBaker.Core.Onnx.Protos;
using static ModelBaker.Tests.Onnx.ProtoBuilder;

namespace ModelBaker.Tests.Support;

/// <summary>One float Gemm Y = X · W with random weights, as large as a test needs (weight storage, size limits).</summary>
public static class WideGemm
{
    public static string Save(string path, int inputs, int outputs, int seed = 3)
    {
        var g = new GraphProto { Name = "wide" };
        g.Input.Add(Info("X", 1, 1, inputs));
        g.Output.Add(Info("Y", 1, 1, outputs));
        var random = new Random(seed);
        var w = FloatTensor("W", Enumerable.Range(0, inputs * outputs).Select(_ => (float)random.NextDouble() - 0.5f).ToArray());
        w.Dims.Clear();
        w.Dims.AddRange(new long[] { inputs, outputs });
        g.Initializer.Add(w);
        g.Node.Add(Node("Gemm", "wide", new[] { "X", "W" }, new[] { "Y" }));
        var model = new ModelProto { IrVersion = 8, Graph = g };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        return ModelBaker.Tests.Onnx.ProtoBuilder.Save(model, path);
    }
}
