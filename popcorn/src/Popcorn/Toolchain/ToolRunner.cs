using System.Diagnostics;

namespace Popcorn.Toolchain;

/// <summary>Runs the LLVM tools (clang-19, llc-19, llvm-link-19, ld.lld-19) as child processes.</summary>
internal static class ToolRunner
{
    /// <summary>Runs <paramref name="tool"/> and returns its standard output; throws <see cref="CompileException"/>
    /// carrying the tool's diagnostics when it fails or cannot be started.</summary>
    public static string Run(string tool, IEnumerable<string> arguments, string? workingDirectory = null) =>
        RunWithDiagnostics(tool, arguments, workingDirectory).Output;

    /// <summary>Runs <paramref name="tool"/> as <see cref="Run"/> does and also returns what it wrote to standard error
    /// when it succeeded (clang's warnings).</summary>
    public static (string Output, string Diagnostics) RunWithDiagnostics(string tool, IEnumerable<string> arguments, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new CompileException($"could not start {tool}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new CompileException($"could not start {tool} ({e.Message}); run ./setup.sh to install clang-19, lld-19 and llvm-19", e);
        }

        using (process)
        {
            var errorTask = process.StandardError.ReadToEndAsync();
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
#pragma warning disable VSTHRD002 // the child has exited: the read has completed
            var error = errorTask.GetAwaiter().GetResult();
#pragma warning restore VSTHRD002
            if (process.ExitCode != 0)
            {
                var diagnostics = error.Trim();
                throw new CompileException(diagnostics.Length > 0 ? diagnostics : $"{tool} exited with code {process.ExitCode}");
            }
            return (output, error);
        }
    }
}
