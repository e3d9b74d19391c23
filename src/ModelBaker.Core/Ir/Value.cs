namespace ModelBaker.Core.Ir;

/// <summary>A named edge of the graph: a tensor with a type, a shape once inferred, and data if constant.</summary>
public sealed class Value
{
    public Value(string name, ElementType type, int[]? shape = null, Tensor? constant = null)
    {
        Name = name;
        Type = type;
        Shape = shape;
        Constant = constant;
    }

    public string Name { get; }
    public ElementType Type { get; set; }
    /// <summary>
    /// The type the model declares for this value when ModelBaker computes it in a wider type (<see cref="NarrowTypes"/>:
    /// double, float16, bfloat16, float8 and float4 as Float32, int4/int2 as Int8, uint4/uint2 as UInt8 — <see cref="Type"/>)
    /// — a graph input or output, an initializer, a value_info entry, a Cast's output. Predict takes or returns a graph input
    /// or output in this type. Null for every other value.
    /// </summary>
    public ElementType? DeclaredType { get; set; }
    /// <summary>Static shape at batch 1; null until shape inference has run.</summary>
    public int[]? Shape { get; set; }
    /// <summary>Known data: an initializer, or the result of constant folding.</summary>
    public Tensor? Constant { get; set; }

    public bool IsConstant => Constant != null;
    public override string ToString() => $"{Name}: {Type}{(Shape == null ? "[?]" : ShapeMath.Format(Shape))}";
}
