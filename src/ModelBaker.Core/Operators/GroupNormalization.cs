using ModelBaker.Core.Ir;

namespace ModelBaker.Core.Operators;

/// <summary>
/// GroupNormalization: the channels in num_groups groups, each normalized over its channels and spatial positions;
/// scale and bias per channel (opset 21) or per group (opset 18) (see <see cref="GroupedNormalization"/>).
/// </summary>
public sealed class GroupNormalization : GroupedNormalization
{
    public override string OpType => "GroupNormalization";

    public override OperatorSupport Support => Grouped(18, "num_groups groups of channels, each normalized over its channels and spatial positions; scale and bias per channel (opset 21) or per group (opset 18)");

    protected override int Groups(Node node, int channels) => (int)node.GetInt("num_groups", 0);
}
