using System.Linq;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Lowering;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// ai.onnx.ml FeatureVectorizer: its inputs (float, int32 or int64, each [rows, size] or [size]) side by side as one
/// float [rows, Σ inputdimensions]; input i fills inputdimensions[i] columns, cut short or padded with zeros. It lowers to
/// steps that exist: a Concat on the last axis, each input that does not fit its columns first cut or zero-padded by a
/// Remap — so an int8 plan requantizes each input onto the output's grid (ConcatInt8) and nanoFramework runs it.
/// </summary>
public sealed class FeatureVectorizer : IOperator
{
    public string OpType => ClassicalModel.Domain + "FeatureVectorizer";

    public OperatorSupport Support { get; } = new(OperatorFamily.ClassicalMachineLearning, 1, "float, int32 or int64 inputs side by side as one float tensor (inputdimensions); a Concat on the last axis, an input that does not fit its columns cut or zero-padded by a Remap first", Int8Form.Integer, "a Concat requantizing each input onto the output's grid (ConcatInt8)", Nano: true)
    {
        NanoDetails = "float, int32 and int64 inputs (an integer input becomes int8 codes by 255 thresholds, CastInt8)",
    };

    private static (int Rows, int[] Dimensions) Read(Node node, int[][] shapes)
    {
        var dimensions = (node.GetInts("inputdimensions") ?? new long[0]).Select(d => (int)d).ToArray();
        if (dimensions.Length != shapes.Length || dimensions.Any(d => d < 0))
            throw InvalidGraph(node, $"it has {shapes.Length} inputs and {dimensions.Length} inputdimensions.");
        int rows = shapes[0].Length <= 1 ? 1 : shapes[0][0];
        for (int i = 0; i < shapes.Length; i++)
            if ((shapes[i].Length <= 1 ? 1 : shapes[i][0]) != rows || ShapeMath.Length(shapes[i]) % rows != 0)
                throw ShapeError(node, $"input {i} has shape {ShapeMath.Format(shapes[i])}, not {rows} rows like input 0.");
        return (rows, dimensions);
    }

    public void InferShapes(Node node, Graph graph)
    {
        if (node.Inputs.Count == 0) throw InvalidGraph(node, "it has no inputs.");
        for (int i = 0; i < node.Inputs.Count; i++) ClassicalModel.RequireNumeric(node, graph, i);
        var (rows, dimensions) = Read(node, node.Inputs.Select((_, i) => InputShape(node, graph, i)).ToArray());
        SetOutput(node, graph, 0, ElementType.Float32, new[] { rows, dimensions.Sum() });
    }

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var (rows, dimensions) = Read(node, inputs.Select((t, i) => Required(node, inputs, i).Shape).ToArray());
        int total = dimensions.Sum();
        var y = new float[rows * total];
        for (int i = 0, offset = 0; i < inputs.Length; offset += dimensions[i++])
        {
            var x = ClassicalModel.FloatValues(node, inputs, i);
            int size = x.Length / rows, count = System.Math.Min(size, dimensions[i]);
            for (int r = 0; r < rows; r++) System.Array.Copy(x, r * size, y, r * total + offset, count);
        }
        return new[] { Tensor.FromFloats(new[] { rows, total }, y) };
    }

    public void Lower(Node node, LoweringContext context)
    {
        var (rows, dimensions) = Read(node, node.Inputs.Select(context.Shape).ToArray());
        if (dimensions.Sum() == 0) throw ShapeError(node, "its inputdimensions are all 0: it would make an empty tensor.");
        var parts = new System.Collections.Generic.List<ConcatPart>();
        for (int i = 0; i < node.Inputs.Count; i++)
        {
            if (dimensions[i] == 0) continue;
            var input = ClassicalModel.FloatSlice(node, context, i);
            int size = input.Length / rows, dimension = dimensions[i];
            if (size != dimension)
            {
                // Columns [0, dimension) of each row: the input's first ones, then zeros (offset −1 is the padding).
                var fitted = new Plan.ArenaSlice($"{node.Inputs[i]} (in {dimension} columns)", ElementType.Float32, rows * dimension, shape: new[] { rows, dimension });
                var offsets = Enumerable.Range(0, rows).Select(r => r * size).Concat(Enumerable.Range(0, dimension).Select(c => c < size ? c : -1)).ToArray();
                context.Add(new Remap(node.Describe(), input, fitted, new[] { rows, dimension }, offsets, new[] { 0f }));
                input = fitted;
            }
            parts.Add(new ConcatPart(input, null, dimension));
        }
        context.Add(new Kernels.Concat(node.Describe(), parts, context.Slice(node.Outputs[0])));
    }
}
