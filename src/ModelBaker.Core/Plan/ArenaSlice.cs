namespace ModelBaker.Core.Plan;

/// <summary>
/// Where one tensor lives in the activation arena, in elements (sbyte for int8 plans, float for float plans).
/// Producer and consumers of a tensor share one instance, so the memory planner sets the offset once for all.
/// </summary>
public sealed class ArenaSlice
{
    public ArenaSlice(string tensorName, int length, int offset = -1)
    {
        TensorName = tensorName;
        Length = length;
        Offset = offset;
    }

    /// <summary>The ONNX value stored here (for generated comments and error messages).</summary>
    public string TensorName { get; }
    public int Length { get; }
    /// <summary>-1 until the memory planner has placed it.</summary>
    public int Offset { get; set; }

    public int End => Offset + Length;

    /// <summary>"arena.Slice(64, 128)" — how generated code addresses the slice.</summary>
    public string Expression(string arena = "arena") => $"{arena}.Slice({Offset}, {Length})";

    public override string ToString() => $"{TensorName}@{Offset}+{Length}";
}
