using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Onnx.Protos;

namespace ModelBaker.Core.Onnx;

/// <summary>
/// What ONNX's reference checker (onnx.checker.check_model) refuses and the importer would otherwise take silently,
/// checked on the parsed protobuf before any other work: the IR version and operator set versions this version reads,
/// names that must be unique, and attributes whose declared type has no payload. Each refusal has its code and names
/// the model, node or tensor. (Tensor data against dims, shapes and graph structure are checked where they are read.)
/// </summary>
internal static class ModelChecker
{
    /// <summary>The newest IR version and default-domain opset ModelBaker was checked against (ONNX 1.22's test data).</summary>
    public const long MaxIrVersion = 13;
    public const long MaxOpset = 27;

    /// <summary>Operator sets of other domains (ai.onnx.ml, com.microsoft, …) count from 1; none is near this.</summary>
    private const long MaxDomainVersion = 1000;

    public static void Check(ModelProto model, string displayName)
    {
        CheckVersions(model, displayName);
        var g = model.Graph;
        Unique(g.Initializer.Select(t => t.Name).Where(n => n.Length > 0), "initializer", displayName);
        Unique(g.Input.Select(i => i.Name), "graph input", displayName);
        Unique(g.Output.Select(o => o.Name), "graph output", displayName);
        foreach (var node in g.Node)
            foreach (var attribute in node.Attribute)
                CheckAttribute(node, attribute, displayName);
    }

    private static void CheckVersions(ModelProto model, string displayName)
    {
        string name = Text.Printable(displayName);
        if (model.IrVersion < 1 || model.IrVersion > MaxIrVersion)
            throw new BakeException(ErrorCodes.UnsupportedVersion,
                $"'{name}' declares ONNX IR version {model.IrVersion}; ModelBaker reads IR versions 1 to {MaxIrVersion}. " +
                (model.IrVersion < 1 ? "The model file is damaged or was not written by an ONNX exporter; re-export it." : "Re-export the model with an older ONNX (onnx.version_converter, or the exporter's opset option)."));

        // The same import written twice is harmless (some converters do it, and ONNX Runtime takes it); two versions of
        // one operator set contradict each other.
        var domains = new Dictionary<string, long>();
        foreach (var import in model.OpsetImport)
        {
            string domain = OnnxImporter.IsDefaultDomain(import.Domain) ? "ai.onnx" : import.Domain;
            if (domains.TryGetValue(domain, out long earlier) && earlier != import.Version)
                throw new BakeException(ErrorCodes.UnsupportedVersion,
                    $"'{name}' imports operator set '{Text.Printable(domain)}' twice, as versions {earlier} and {import.Version}. The model file is damaged; re-export it.");
            domains[domain] = import.Version;
            long max = domain == "ai.onnx" ? MaxOpset : MaxDomainVersion;
            if (import.Version < 1 || import.Version > max)
                throw new BakeException(ErrorCodes.UnsupportedVersion,
                    $"'{name}' imports operator set '{Text.Printable(domain)}' version {import.Version}; ModelBaker reads versions 1 to {max}" +
                    (domain == "ai.onnx" ? ". Convert the model to an older opset (onnx.version_converter.convert_version) or export it with a lower opset." : ". The model file is damaged; re-export it."));
        }
        // From IR version 3 on, a model must say which operator sets it uses; before, opset 1 was implied.
        if (model.IrVersion >= 3 && !domains.ContainsKey("ai.onnx") && model.Graph.Node.Any(n => OnnxImporter.IsDefaultDomain(n.Domain)))
            throw new BakeException(ErrorCodes.UnsupportedVersion,
                $"'{name}' (IR version {model.IrVersion}) uses standard ONNX operators but imports no version of the standard operator set. Re-export the model, or add the opset with onnx.helper.make_opsetid('', version).");
    }

    private static void Unique(IEnumerable<string> names, string what, string displayName)
    {
        var seen = new HashSet<string>();
        foreach (string name in names)
            if (!seen.Add(name))
                throw new BakeException(ErrorCodes.InvalidGraph,
                    $"'{Text.Printable(displayName)}' has two {what}s named '{Text.Printable(name)}'. Names must be unique; re-export the model or check it with onnx.checker.");
    }

    /// <summary>An attribute whose declared type's field is missing: onnx.checker refuses it, and reading it would invent a 0.</summary>
    private static void CheckAttribute(NodeProto node, AttributeProto a, string displayName)
    {
        if (!a.HasType) return; // IR version 1: the payload present is the type (OnnxImporter.InferType)
        bool present = a.Type switch
        {
            AttributeProto.Types.AttributeType.Float => a.HasF,
            AttributeProto.Types.AttributeType.Int => a.HasI,
            AttributeProto.Types.AttributeType.String => a.HasS,
            AttributeProto.Types.AttributeType.Tensor => a.T != null,
            AttributeProto.Types.AttributeType.Graph => a.G != null,
            // An empty list is a legitimate value of a list attribute.
            _ => true,
        };
        if (!present)
            throw new BakeException(ErrorCodes.AttributeTypeMismatch,
                $"'{Text.Printable(displayName)}': attribute '{Text.Printable(a.Name)}' of node '{Text.Printable(node.Name)}' ({Text.Printable(node.OpType)}) is declared {a.Type.ToString().ToUpperInvariant()} but holds no such value. Re-export the model or check it with onnx.checker.");
    }
}
