using System.Collections.Generic;
using ModelBaker.Core.Lowering;
using System.Linq;
using ModelBaker.Core.Ir;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// Inference-mode Dropout: the output is the input, and the optional mask output is all true (bool from
/// opset 10; before that it had the input's type, so all 1). Training mode cannot be baked.
/// Known difference: ONNX Runtime fills the mask with false/0 for opsets 7-11; we follow the ONNX reference
/// implementation (true: nothing was dropped), which ONNX Runtime also matches from opset 12.
/// </summary>
public sealed class Dropout : IOperator, IChannelMapping, IBakeTimeInputs
{
    /// <summary>Inputs exporters write as initializers: 1, 2.</summary>
    public IReadOnlyList<int> BakeTimeInputs { get; } = new[] { 1, 2 };

    /// <summary>Identity at inference, unless its mask is used.</summary>
    public ChannelFlow ChannelFlow(Node node, Graph graph) => Operators.ChannelFlow.UnlessExtraOutputsUsed(node, Operators.ChannelFlow.PassThrough.Plain);

    public string OpType => "Dropout";

    public OperatorSupport Support { get; } = new(OperatorFamily.ShapePatterns, 7, "inference: the input, and a mask of true (bool from opset 10); ratio and training_mode inputs from 12; no step", Int8Form.Integer, "no step", Nano: true)
    {
        Refuses = new[] { "training_mode true, or computed at run time", "its mask output used" },
    };

    public void InferShapes(Node node, Graph graph)
    {
        RequireInputCount(node, 1, 3); // data, then ratio and training_mode as inputs from opset 12
        var data = Input(node, graph, 0);
        string? trainingMode = OptionalInput(node, 2);
        if (trainingMode != null)
        {
            var constant = graph.Values[trainingMode].Constant;
            if (constant == null || graph.Inputs.Contains(trainingMode))
                throw UnsupportedUsage(node, $"its training_mode '{trainingMode}' is decided at run time; ModelBaker bakes inference only.",
                    "Export the model in evaluation mode (model.eval() in PyTorch) or remove the training_mode input.");
            CheckInferenceMode(node, constant);
        }
        var shape = InputShape(node, graph, 0);
        SetOutput(node, graph, 0, data.Type, shape);
        SetOutput(node, graph, 1, MaskType(data.Type, graph.Opset), shape);
    }

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var x = Required(node, inputs, 0);
        if (inputs.Length > 2 && inputs[2] != null) CheckInferenceMode(node, inputs[2]!);
        var outputs = new Tensor[node.Outputs.Count];
        outputs[0] = WithShape(x, x.Shape);
        if (outputs.Length > 1)
        {
            var type = MaskType(x.Type, opset);
            outputs[1] = type == ElementType.Float32
                ? Tensor.FromFloats(x.Shape, Enumerable.Repeat(1f, x.Length).ToArray())
                : Tensor.FromInt64s(x.Shape, Enumerable.Repeat(1L, x.Length).ToArray(), type);
        }
        return outputs;
    }

    private static ElementType MaskType(ElementType dataType, long opset) => opset >= 10 ? ElementType.Bool : dataType;

    private static void CheckInferenceMode(Node node, Tensor trainingMode)
    {
        if (trainingMode.AsFloats().Any(v => v != 0))
            throw UnsupportedUsage(node, "its training_mode is true, so it would drop random elements.",
                "Export the model in evaluation mode (model.eval() in PyTorch) or set training_mode to false.");
    }

    /// <summary>Inference: the identity. The output shares the input's storage; a used mask is refused.</summary>
    public void Lower(Node node, LoweringContext context)
    {
        if (node.Outputs.Count > 1 && node.Outputs[1].Length > 0 && context.IsUsed(node.Outputs[1]))
            throw UnsupportedUsage(node, $"its mask output '{node.Outputs[1]}' is used, but at inference a Dropout mask carries no information.",
                "Remove the mask from the graph's outputs.");
        context.Alias(node.Outputs[0], node.Inputs[0]);
    }
}
