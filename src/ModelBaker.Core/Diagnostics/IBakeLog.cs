namespace ModelBaker.Core.Diagnostics;

/// <summary>Where a bake reports progress and warnings: the MSBuild log in a build, the console in the CLI.</summary>
public interface IBakeLog
{
    void Info(string message);
    void Warning(string code, string message);
}
