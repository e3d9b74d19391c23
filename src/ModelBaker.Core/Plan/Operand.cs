namespace ModelBaker.Core.Plan;

/// <summary>
/// An input of an element-wise kernel: a tensor in the arena or baked-in constant data (exactly one is set),
/// with the strides that read it broadcast to the output shape (0 along broadcast dimensions).
/// </summary>
public sealed class Operand<T>
{
    public Operand(ArenaSlice? slice, T[]? constant, int[] strides)
    {
        Slice = slice;
        Constant = constant;
        Strides = strides;
    }

    public ArenaSlice? Slice { get; }
    public T[]? Constant { get; }
    public int[] Strides { get; }

    public bool IsConstant => Constant != null;
}
