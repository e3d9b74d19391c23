using Google.Protobuf;
using ModelBaker.Core.Onnx.Protos;

namespace ModelBaker.Tests.Onnx;

/// <summary>Hand-built ModelProtos, for cases OnnxModelWriter never produces (external data, odd types, bad files).</summary>
internal static class ProtoBuilder
{
    public static ValueInfoProto Info(string name, int elemType, params object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
            shape.Dim.Add(d is string p ? new TensorShapeProto.Types.Dimension { DimParam = p } : new TensorShapeProto.Types.Dimension { DimValue = Convert.ToInt64(d) });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = elemType, Shape = shape } } };
    }

    public static NodeProto Node(string opType, string name, string[] inputs, string[] outputs, string domain = "")
    {
        var n = new NodeProto { OpType = opType, Name = name, Domain = domain };
        n.Input.AddRange(inputs);
        n.Output.AddRange(outputs);
        return n;
    }

    /// <summary>Y = X + W, with X and Y float[2] and W the given initializer.</summary>
    public static ModelProto AddModel(TensorProto w)
    {
        var g = new GraphProto { Name = "add" };
        g.Input.Add(Info("X", 1, 2));
        g.Output.Add(Info("Y", 1, 2));
        g.Initializer.Add(w);
        g.Node.Add(Node("Add", "add", new[] { "X", w.Name }, new[] { "Y" }));
        var m = new ModelProto { IrVersion = 8, Graph = g };
        m.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        return m;
    }

    public static TensorProto FloatTensor(string name, params float[] values)
    {
        var t = new TensorProto { Name = name, DataType = 1 };
        t.Dims.Add(values.Length);
        t.FloatData.AddRange(values);
        return t;
    }

    public static TensorProto External(string name, int count, string location, long? offset = null, long? length = null)
    {
        var t = new TensorProto { Name = name, DataType = 1, DataLocation = TensorProto.Types.DataLocation.External };
        t.Dims.Add(count);
        t.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
        if (offset != null) t.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset.ToString() });
        if (length != null) t.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = length.ToString() });
        return t;
    }

    public static byte[] FloatBytes(params float[] values)
    {
        var bytes = new byte[values.Length * 4];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        return bytes;
    }

    public static string Save(ModelProto model, string path)
    {
        File.WriteAllBytes(path, model.ToByteArray());
        return path;
    }
}
