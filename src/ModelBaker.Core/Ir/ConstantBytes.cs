using System.Collections.Generic;
using System.Linq;

namespace ModelBaker.Core.Ir;

/// <summary>
/// The float model's weight bytes, as the size line's "before" figure: 4 bytes for every float32 constant element the
/// folded graph's nodes (or outputs) read. Counted after constant folding so that it holds the same weights as the baked
/// side: a weight that ConstantOfShape, a Constant node or folded arithmetic makes counts with all its elements (the
/// baked plan stores it too), while an initializer that only folded nodes read counts through what they made, once.
/// </summary>
public static class ConstantBytes
{
    public static long Float32(Graph graph)
    {
        var read = new HashSet<string>(graph.Nodes.SelectMany(n => n.Inputs).Concat(graph.Outputs));
        return graph.Values.Values.Where(v => v.IsConstant && v.Type == ElementType.Float32 && read.Contains(v.Name))
            .Sum(v => 4L * v.Constant!.Length);
    }
}
