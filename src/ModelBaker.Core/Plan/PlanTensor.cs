namespace ModelBaker.Core.Plan;

/// <summary>
/// A graph input or output of a baked plan: its ONNX name and shape (batch 1), its place in the arena and,
/// in int8 plans, how its reals map to int8 (real = Scale × (q − ZeroPoint)).
/// </summary>
public sealed class PlanTensor
{
    public PlanTensor(string name, int[] shape, ArenaSlice slice, double scale = 1, int zeroPoint = 0)
    {
        Name = name;
        Shape = shape;
        Slice = slice;
        Scale = scale;
        ZeroPoint = zeroPoint;
    }

    public string Name { get; }
    public int[] Shape { get; }
    public ArenaSlice Slice { get; }
    public double Scale { get; }
    public int ZeroPoint { get; }
    public int Length => Slice.Length;
}
