using System.Runtime.CompilerServices;
using ModelBaker.Core.Ir;

namespace ModelBaker.Core.Ir;

/// <summary>
/// Node outputs whose data became known during shape inference (all inputs constant, or an operator such as Shape
/// whose result depends on static shapes only). They are marked so that a later run of shape inference recomputes
/// them instead of taking them for initializers, which a node may not write.
/// </summary>
public static class FoldedConstants
{
    private static readonly ConditionalWeakTable<Value, object> Marked = new();

    /// <summary>Gives a node output its bake-time data (and the data's type and shape).</summary>
    public static void Set(Value value, Tensor data)
    {
        value.Constant = data;
        value.Type = data.Type;
        value.Shape = data.Shape;
        Marked.Remove(value);
        Marked.Add(value, Marked);
    }

    public static bool IsFolded(Value value) => Marked.TryGetValue(value, out _);

    /// <summary>Forgets the data of a folded value (before shape inference runs again).</summary>
    public static void Clear(Value value)
    {
        if (!IsFolded(value)) return;
        value.Constant = null;
        Marked.Remove(value);
    }
}
