namespace Systems.Testing;

/// <summary>Locates the repository and its built artifacts from a running test.</summary>
public static class RepositoryPaths
{
    private static readonly Lazy<string> RootPath = new(FindRoot);

    /// <summary>
    /// The repository root: the nearest ancestor of the test's base directory holding <c>Systems.slnx</c>, or, when
    /// the tests were built apart (<c>ArtifactsPath</c> outside the tree), the root this assembly was built from.
    /// </summary>
    public static string Root => RootPath.Value;

    /// <summary>The full path of a file or folder given relative to the repository root.</summary>
    public static string Combine(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Systems.slnx")))
            {
                return dir.FullName;
            }
        }
        var builtFrom = typeof(RepositoryPaths).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .Cast<System.Reflection.AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "RepositoryRoot")?.Value;
        if (builtFrom is not null && File.Exists(Path.Combine(builtFrom, "Systems.slnx")))
        {
            return Path.GetFullPath(builtFrom);
        }
        throw new InvalidOperationException($"No Systems.slnx above {AppContext.BaseDirectory}, nor at {builtFrom}.");
    }
}
