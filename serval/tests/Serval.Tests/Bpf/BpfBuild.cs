using Serval.Binary;

namespace Serval.Tests.Bpf;

/// <summary>clang-19 -target bpf, driven from tests.</summary>
internal static class BpfBuild
{
    public static string SamplePath(string name) => RepositoryPaths.Combine("serval", "samples", "bpf", name);

    /// <summary>Compiles <paramref name="source"/> with <c>clang-19 -target bpf -mcpu=CPU -O2 -c</c>.</summary>
    public static async Task<string> CompileAsync(TempDirectory dir, string source, string cpu, CancellationToken token)
    {
        var output = dir.Combine(Path.GetFileNameWithoutExtension(source) + $"-{cpu}.o");
        var compiled = await ChildProcess.RunAsync("clang-19", ["-target", "bpf", $"-mcpu={cpu}", "-O2", "-c", source, "-o", output], token);
        Assert.True(compiled.ExitCode == 0, compiled.Stderr);
        return output;
    }

    /// <summary>The names of the functions in the object's code sections.</summary>
    public static IReadOnlyList<string> FunctionNames(string objectFile) =>
        [.. ElfImage.Load(objectFile).Symbols.Values.Where(s => s.IsFunction).Select(s => s.Name).Order(StringComparer.Ordinal)];
}
