using static ModelBaker.Core.Encodings.RowDot;

namespace ModelBaker.Core.Encodings;

// The nanoFramework flavour reads a layer's weights one unit at a time: RAM is short there, and a dense copy of a
// sparse or clustered layer would undo what its encoding saved. Each encoding's file has its reader.

// <emit Nano>
/// <summary>A layer's int8 weights one unit (row) at a time, whatever their encoding.</summary>
public abstract class WeightRows
{
    /// <summary>Unit <paramref name="unit"/>'s weights: the returned array from <paramref name="offset"/> on, one row long.</summary>
    public abstract sbyte[] Read(int unit, out int offset);

    /// <summary>
    /// Σ unit <paramref name="unit"/>'s weights · input[offset + k]: what a fully connected layer computes per unit. By
    /// default the row is read and multiplied densely; an encoding whose own walk is cheaper on the interpreter (only the
    /// non-zero weights) overrides it.
    /// </summary>
    public virtual int DotWith(int unit, sbyte[] input, int offset)
    {
        sbyte[] row = Read(unit, out int at);
        return Dot(input, offset, row, at, Depth);
    }

    /// <summary>Weights per unit.</summary>
    public abstract int Depth { get; }
}

/// <summary>
/// Rows decoded one after another into a buffer. The position reached is kept, so rows read in order (0, 1, 2, …, as
/// the kernels do) decode each entry once; any other order is still correct, only slower (it starts again from unit 0).
/// </summary>
public abstract class SequentialRows : WeightRows
{
    private readonly sbyte[] row;
    private int nextUnit;

    protected SequentialRows(int depth) { row = new sbyte[depth]; }

    public override int Depth => row.Length;

    /// <summary>In order (the unit after the last one read), the encoding's own walk; otherwise the row, decoded.</summary>
    public override int DotWith(int unit, sbyte[] input, int offset)
    {
        if (unit != nextUnit) return base.DotWith(unit, input, offset);
        nextUnit++;
        return DotNext(input, offset);
    }

    /// <summary>The next unit's weights · input[offset + k]; by default decoded into the row buffer and multiplied densely.</summary>
    protected virtual int DotNext(sbyte[] input, int offset)
    {
        DecodeNext(row);
        return Dot(input, offset, row, 0, row.Length);
    }

    public override sbyte[] Read(int unit, out int offset)
    {
        if (unit < nextUnit)
        {
            Restart();
            nextUnit = 0;
        }
        for (; nextUnit <= unit; nextUnit++) DecodeNext(row);
        offset = 0;
        return row;
    }

    /// <summary>Goes back to unit 0.</summary>
    protected abstract void Restart();

    /// <summary>Decodes the next unit's weights into <paramref name="row"/>.</summary>
    protected abstract void DecodeNext(sbyte[] row);
}
// </emit>
