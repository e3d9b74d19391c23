namespace ModelBaker.Core.Encodings;

// nanoFramework with WeightStorage="Resource" (docs/nanoframework.md#weights-in-flash): a layer's weights stay in the
// assembly, in flash, and are read one unit's row at a time. Stored dense there, whatever the layer's encoding: flash is
// the plentiful memory, and a row read straight into the buffer needs no decoding on the interpreter.

// <emit Nano>
/// <summary>A binary resource read in slices (the generated class's weight resource).</summary>
public abstract class WeightResource
{
    /// <summary>Copies the <paramref name="length"/> bytes at <paramref name="offset"/> into <paramref name="destination"/>, as int8.</summary>
    public abstract void Read(int offset, sbyte[] destination, int length);
}

/// <summary>Dense rows of a weight resource, each read into one row buffer (the layer's part of ScratchBytes) when asked for.</summary>
public sealed class ResourceRows : WeightRows
{
    private readonly WeightResource resource;
    private readonly int offset;
    private readonly int depth;
    private readonly sbyte[] row;

    public ResourceRows(WeightResource resource, int offset, int depth)
    {
        this.resource = resource;
        this.offset = offset;
        this.depth = depth;
        row = new sbyte[depth];
    }

    public override int Depth => depth;

    public override sbyte[] Read(int unit, out int rowOffset)
    {
        resource.Read(offset + unit * depth, row, depth);
        rowOffset = 0;
        return row;
    }
}
// </emit>
