using System;
using System.IO;
using Google.Protobuf;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Onnx.Protos;

namespace ModelBaker.Core.Onnx;

/// <summary>Reads an .onnx file into the graph IR; every failure is a <see cref="BakeException"/> with an MB1xxx code.</summary>
public static class OnnxModelReader
{
    public static Graph Load(string path)
    {
        string full = Path.GetFullPath(path);
        if (!File.Exists(full))
            throw new BakeException(ErrorCodes.ModelNotFound,
                $"The ONNX model '{full}' does not exist. Check the path in the CompressedModel item (it is relative to the project file).");
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(full);
        }
        catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
        {
            throw new BakeException(ErrorCodes.ModelUnreadable, $"The ONNX model '{full}' could not be read: {e.Message}");
        }
        return Load(bytes, Path.GetDirectoryName(full) ?? ".", full);
    }

    /// <summary>
    /// Reads a model held in memory. <paramref name="baseDirectory"/> is where external data files are looked
    /// for (the folder the model came from); <paramref name="displayName"/> names the model in errors.
    /// </summary>
    public static Graph Load(byte[] bytes, string baseDirectory, string displayName = "model")
        => OnnxImporter.Import(Parse(bytes, displayName), baseDirectory);

    internal static ModelProto Parse(byte[] bytes, string displayName)
    {
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw NotAModel(displayName, $"it is not a protobuf ModelProto: {e.Message}");
        }
        // Protobuf accepts many arbitrary byte strings as "nothing but unknown fields", so a parse that
        // succeeds proves little: a usable model has a graph with at least one node and one output.
        if (model.Graph == null) throw NotAModel(displayName, "it contains no graph");
        if (model.Graph.Node.Count == 0 || model.Graph.Output.Count == 0) throw NotAModel(displayName, "its graph is empty");
        ModelChecker.Check(model, displayName);
        return model;
    }

    private static BakeException NotAModel(string displayName, string why) => new(ErrorCodes.ModelUnreadable,
        $"'{displayName}' is not a valid ONNX model ({why}). Check it with `python -c \"import onnx; onnx.checker.check_model('{displayName}')\"` or open it in Netron; re-export it if that fails.");
}
