using System;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.NanoFramework;
using ModelBaker.Core.Serialization;

namespace ModelBaker.Tasks;

/// <summary>
/// After the compiler has built a project with <c>CodeTarget="NanoFramework"</c> models, measures the assembly
/// against nanoCLR's limits (<see cref="NanoAssemblyChecker"/>): the device refuses, crashes on or miscomputes an
/// assembly that breaks one, and neither the compiler nor MetadataProcessor says so. A broken limit is error MB2004 on
/// the model's line of the project file, so the build fails instead of the firmware.
/// </summary>
public sealed class CheckNanoFrameworkAssembly : Task
{
    /// <summary>The compiled assembly: @(IntermediateAssembly).</summary>
    [Required] public ITaskItem? Assembly { get; set; }

    /// <summary>The CompressedModel items with CodeTarget="NanoFramework"; the error is shown on the first one's line.</summary>
    [Required] public ITaskItem[] Models { get; set; } = Array.Empty<ITaskItem>();

    /// <summary>Their plans, which name the generated classes.</summary>
    [Required] public ITaskItem[] Plans { get; set; } = Array.Empty<ITaskItem>();

    /// <summary>
    /// What to measure: <c>Assembly</c>, all of it; <c>Models</c>, only the model classes; empty (the default), the
    /// whole assembly of a firmware project (one compiled against nanoFramework's mscorlib, all of which runs on the
    /// device) and only the model classes of a desktop project that compiles them beside code of its own, to test them.
    /// </summary>
    public string Scope { get; set; } = "";

    public string ProjectFile { get; set; } = "";

    public override bool Execute()
    {
        string path = Assembly!.GetMetadata("FullPath");
        var location = ItemLocation.Of(Models[0], ProjectFile);
        string models = string.Join(", ", Models.Select(m => Path.GetFileName(m.ItemSpec)));
        try
        {
            var image = ImmutableArray.Create(File.ReadAllBytes(path));
            bool wholeAssembly = Scope.Length == 0 ? NanoAssemblyChecker.IsCompiledForNanoFramework(image) : Scope.Equals("Assembly", StringComparison.OrdinalIgnoreCase);
            var classes = wholeAssembly ? null : Plans.Select(p => PlanFile.Read(File.ReadAllBytes(p.GetMetadata("FullPath"))).Header)
                .Select(h => h.Namespace.Length == 0 ? h.ClassName : h.Namespace + "." + h.ClassName).ToList();
            var violations = NanoAssemblyChecker.Check(image, classes);
            if (violations.Count == 0) return true;
            string subject = wholeAssembly
                ? $"The assembly {Path.GetFileName(path)}, with the class{(Models.Length == 1 ? "" : "es")} baked from {models},"
                : $"The class{(Models.Length == 1 ? "" : "es")} baked from {models}";
            Log.LogError(null, ErrorCodes.NanoFrameworkLimitExceeded, null, location.File, location.Line, 0, 0, 0, NanoAssemblyChecker.Describe(violations, subject));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or BadImageFormatException or PlanFormatException)
        {
            Log.LogError(null, ErrorCodes.InternalError, null, location.File, location.Line, 0, 0, 0,
                $"Could not read the compiled assembly '{path}' or a plan to check them against nanoFramework's limits: {e.Message}");
        }
        return false;
    }
}
