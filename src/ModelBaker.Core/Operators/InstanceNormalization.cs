using ModelBaker.Core.Ir;

namespace ModelBaker.Core.Operators;

/// <summary>InstanceNormalization: each channel of each sample normalized over its spatial positions (see <see cref="GroupedNormalization"/>).</summary>
public sealed class InstanceNormalization : GroupedNormalization
{
    public override string OpType => "InstanceNormalization";

    public override OperatorSupport Support => Grouped(1, "each channel normalized over its spatial positions");

    protected override int Groups(Node node, int channels) => channels;
}
