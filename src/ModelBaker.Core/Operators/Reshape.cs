using System.Collections.Generic;
using ModelBaker.Core.Lowering;
using System.Linq;
using ModelBaker.Core.Ir;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// Gives the data the shape held by the second input, which must be a constant (ModelBaker plans memory at
/// build time). In that shape, 0 copies the input's dimension at the same index (unless allowzero=1, when
/// it means a real 0) and one -1 is inferred from the element count.
/// </summary>
public sealed class Reshape : IOperator, IChannelMapping, IBakeTimeInputs
{
    /// <summary>Inputs exporters write as initializers: 1.</summary>
    public IReadOnlyList<int> BakeTimeInputs { get; } = new[] { 1 };

    /// <summary>A Reshape to [N, features] flattens the channels (structured pruning checks the shapes); input 1 holds the target.</summary>
    public ChannelFlow ChannelFlow(Node node, Graph graph) => new ChannelFlow.Flattened(1);

    public string OpType => "Reshape";

    public OperatorSupport Support { get; } = new(OperatorFamily.DataMovement, 5, "shape constant: 0 copies a dimension (allowzero = 1: a real 0), one −1 inferred; any element type; no step", Int8Form.Integer, "no step", Nano: true)
    {
        Refuses = new[] { "a shape computed at run time" },
    };

    public void InferShapes(Node node, Graph graph)
    {
        RequireInputCount(node, 2, 2);
        var shapeValue = Input(node, graph, 1);
        if (shapeValue.Constant == null || graph.Inputs.Contains(shapeValue.Name))
            throw UnsupportedUsage(node, $"its target shape '{shapeValue.Name}' is computed at run time, but ModelBaker needs it constant.",
                "Export the model with fixed shapes, or simplify it (for example with onnxsim) so the shape becomes an initializer.");
        SetOutput(node, graph, 0, Input(node, graph, 0).Type, OutputShape(node, InputShape(node, graph, 0), shapeValue.Constant));
    }

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var x = Required(node, inputs, 0);
        return new[] { WithShape(x, OutputShape(node, x.Shape, Required(node, inputs, 1))) };
    }

    private static int[] OutputShape(Node node, int[] input, Tensor shapeTensor)
    {
        if (shapeTensor.Int64s == null || shapeTensor.Shape.Length != 1)
            throw InvalidGraph(node, $"its shape input must be a 1-D int64 tensor, not {shapeTensor}.");
        long[] requested = shapeTensor.Int64s;
        bool allowZero = node.GetInt("allowzero", 0) != 0;
        var output = new int[requested.Length];
        int inferredAt = -1;
        long known = 1;
        for (int i = 0; i < requested.Length; i++)
        {
            long d = requested[i];
            if (d == -1)
            {
                if (inferredAt >= 0)
                    throw ShapeError(node, $"the target shape [{string.Join(",", requested)}] has more than one -1.");
                inferredAt = i;
                continue;
            }
            if (d == 0 && !allowZero)
            {
                if (i >= input.Length)
                    throw ShapeError(node, $"the target shape [{string.Join(",", requested)}] has 0 at index {i}, " +
                                           $"copying an input dimension, but the input {ShapeMath.Format(input)} has only {input.Length}.");
                d = input[i];
            }
            if (d < 0 || d > int.MaxValue)
                throw ShapeError(node, $"the target shape [{string.Join(",", requested)}] has an invalid dimension {requested[i]}.");
            output[i] = (int)d;
            known *= d;
        }

        long length = ShapeMath.Length(input);
        if (inferredAt >= 0)
        {
            if (known == 0 || length % known != 0)
                throw ShapeError(node, $"cannot infer the -1 in [{string.Join(",", requested)}]: the input {ShapeMath.Format(input)} " +
                                       $"has {length} elements, not a multiple of {known}.");
            output[inferredAt] = (int)(length / known);
        }
        else if (known != length)
        {
            throw ShapeError(node, $"cannot reshape the input {ShapeMath.Format(input)} ({length} elements) to " +
                                   $"{ShapeMath.Format(output)} ({known} elements).");
        }
        return output;
    }

    /// <summary>Same elements in the same order: the output shares the input's storage, no step.</summary>
    public void Lower(Node node, LoweringContext context) => context.Alias(node.Outputs[0], node.Inputs[0]);
}
