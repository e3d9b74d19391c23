namespace ModelBaker.Core.Encodings;

// The nanoFramework flavour reads a layer's weights one unit at a time: RAM is short there, and a dense copy of a
// sparse or clustered layer would undo what its encoding saved. Each encoding's file has its reader.

// <emit Nano>
/// <summary>A layer's int8 weights one unit (row) at a time, whatever their encoding.</summary>
public abstract class WeightRows
{
    /// <summary>Unit <paramref name="unit"/>'s weights: the returned array from <paramref name="offset"/> on, one row long.</summary>
    public abstract sbyte[] Read(int unit, out int offset);
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
