using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace Serval.Verification;

/// <summary>The compilers the toy monitor builds with.</summary>
public enum Compiler
{
    /// <summary>Debian's riscv64-linux-gnu-gcc.</summary>
    Gcc,

    /// <summary>clang-19 --target=riscv64 with ld.lld-19.</summary>
    Clang,
}

/// <summary>The tutorial's three exercises, each a documented variant of the monitor's source.</summary>
public enum InjectedBug
{
    /// <summary>The unmodified monitor.</summary>
    None,

    /// <summary>(a) sys_dict_get without its bounds check (INJECT_BOUNDS).</summary>
    Bounds,

    /// <summary>(b) sys_dict_set without its store (INJECT_LOST_STORE).</summary>
    LostStore,

    /// <summary>(c) sys_dict_get returning another user's entry (INJECT_LEAK).</summary>
    Leak,
}

/// <summary>
/// Builds the toy monitor of <c>serval/samples/toymon</c> with a real compiler, caching the ELF by a hash of the
/// sources, the compiler's identity and the flags.
/// </summary>
public static class ToymonBuild
{
    /// <summary>The tutorial's flags (with Zicsr/Zifencei spelled out, as binutils 2.40 requires, and DWARF 4).</summary>
    public static readonly string[] CommonFlags =
    [
        "-march=rv64ima_zicsr_zifencei", "-mabi=lp64", "-mcmodel=medany", "-ffreestanding", "-fno-stack-protector",
        "-fno-strict-aliasing", "-fno-jump-tables", "-mstrict-align", "-nostdlib", "-g", "-gdwarf-4", "-Wall",
    ];

    private static readonly string[] Sources = ["entry.S", "main.c", "monitor.c"];

    /// <summary>Finds <c>serval/samples/toymon</c> above the running program or the current directory.</summary>
    public static string? FindSourceDirectory()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "serval", "samples", "toymon");
                if (File.Exists(Path.Combine(candidate, "monitor.c")))
                {
                    return candidate;
                }
            }
        }
        return null;
    }

    /// <summary>Builds (or finds in the cache) the monitor and returns the ELF's path.</summary>
    /// <exception cref="InvalidOperationException">The compiler failed; the message carries its output.</exception>
    /// <exception cref="CompilerNotFoundException">The compiler cannot be run (not installed).</exception>
    public static string Build(string sourceDirectory, Compiler compiler, int optimization, InjectedBug bug, string cacheDirectory)
    {
        var arguments = new List<string>(CommonFlags) { $"-O{optimization}" };
        if (bug != InjectedBug.None)
        {
            arguments.Add(bug switch
            {
                InjectedBug.Bounds => "-DINJECT_BOUNDS",
                InjectedBug.LostStore => "-DINJECT_LOST_STORE",
                _ => "-DINJECT_LEAK",
            });
        }
        string program;
        if (compiler == Compiler.Gcc)
        {
            program = "riscv64-linux-gnu-gcc";
            arguments.AddRange(["-fno-pie", "-no-pie", "-Wl,--build-id=none", "-Wl,--no-warn-rwx-segments"]);
        }
        else
        {
            program = "clang-19";
            arguments.InsertRange(0, ["--target=riscv64-unknown-elf", "-mno-relax", "-fuse-ld=lld"]);
        }
        var hash = new StringBuilder(program).Append('\n').AppendJoin(' ', arguments);
        foreach (var source in Sources.Append("monitor.h").Append("monitor.ld"))
        {
            hash.Append('\n').Append(source).Append('\n').Append(File.ReadAllText(Path.Combine(sourceDirectory, source)));
        }
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(hash.ToString())))[..20];
        var outputDirectory = Path.Combine(cacheDirectory, "builds", key);
        var elf = Path.Combine(outputDirectory, "monitor.elf");
        if (File.Exists(elf))
        {
            return elf;
        }
        Directory.CreateDirectory(outputDirectory);
        var temporary = elf + $".{Environment.ProcessId}.tmp";
        arguments.AddRange(["-T", Path.Combine(sourceDirectory, "monitor.ld"), "-o", temporary]);
        arguments.AddRange(Sources.Select(s => Path.Combine(sourceDirectory, s)));
        var start = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {program}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new CompilerNotFoundException(program, e);
        }
        using var started = process;
        process.StandardOutput.Close();
        var errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} failed building the monitor: {errors.Trim()}");
        }
        File.Move(temporary, elf, overwrite: true);
        return elf;
    }
}

/// <summary>The compiler a build needs cannot be started: not installed, or not on PATH.</summary>
public sealed class CompilerNotFoundException : Exception
{
    /// <summary>Creates the exception for <paramref name="program"/>.</summary>
    public CompilerNotFoundException(string program, Exception innerException)
        : base($"cannot run {program}: it is not installed or not on PATH ({innerException?.Message}); ./setup.sh installs it", innerException)
    {
        Program = program;
    }

    /// <summary>The compiler's command name.</summary>
    public string Program { get; } = "";
}
