using Serval.Binary;
using Serval.RiscV;
using Serval.Symbolic;

namespace Serval.Bpf;

/// <summary>
/// One eBPF function of an ELF relocatable object as <c>clang -target bpf -c</c> writes it: its section, symbol and
/// decoded instructions, ready to run concretely or symbolically.
/// </summary>
public sealed class BpfProgram
{
    private BpfProgram(string name, string section, byte[] code)
    {
        Name = name;
        Section = section;
        Code = code;
        Instructions = BpfDecoder.Decode(code);
    }

    /// <summary>The function's name ("" when a whole section without symbols was taken).</summary>
    public string Name { get; }

    /// <summary>The section it lives in.</summary>
    public string Section { get; }

    /// <summary>Its bytecode.</summary>
    public IReadOnlyList<byte> Code { get; }

    /// <summary>Its decoded instructions.</summary>
    public IReadOnlyList<BpfInstruction> Instructions { get; }

    /// <summary>A program made of the bytecode <paramref name="code"/>.</summary>
    public static BpfProgram FromCode(byte[] code, string name = "") => new(name, "", code);

    /// <summary>
    /// Reads the function <paramref name="function"/> (or, without it, the only function of <paramref name="section"/>,
    /// or the only function of the object) from the BPF ELF object at <paramref name="path"/>.
    /// </summary>
    /// <exception cref="BadElfException">Not a BPF object, no such function or section, several candidates, or the
    /// function needs relocations (map references, calls of other functions) that are not modelled.</exception>
    public static BpfProgram Load(string path, string? section = null, string? function = null)
    {
        var image = ElfImage.Load(path);
        if (image.Machine != ElfImage.MachineBpf)
        {
            throw new BadElfException($"{path} is for ELF machine {image.Machine}, not BPF ({ElfImage.MachineBpf}).");
        }
        var executable = image.Sections.Where(s => s.IsExecutable).Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        var candidates = image.Symbols.Values.Where(s => s.IsFunction && executable.Contains(s.Section)
            && (section is null || s.Section == section) && (function is null || s.Name == function)).ToList();
        if (candidates.Count != 1)
        {
            var all = string.Join(", ", image.Symbols.Values.Where(s => s.IsFunction).Select(s => $"{s.Name} (section {s.Section})"));
            throw new BadElfException(candidates.Count == 0
                ? $"{path} has no function{(function is null ? "" : $" '{function}'")}{(section is null ? "" : $" in section '{section}'")}; its functions: {(all.Length == 0 ? "none" : all)}"
                : $"{path} has several functions{(section is null ? "" : $" in section '{section}'")}; name one with --function: {all}");
        }
        var symbol = candidates[0];
        var contents = image.SectionContents(symbol.Section);
        if (symbol.Address + symbol.Size > (ulong)contents.Length || symbol.Size % 8 != 0)
        {
            throw new BadElfException($"{path}: function '{symbol.Name}' ({symbol.Size} bytes at {symbol.Address}) does not fit its section {symbol.Section}.");
        }
        var relocated = image.Relocations.FirstOrDefault(r => r.Section == symbol.Section && r.Offset >= symbol.Address && r.Offset < symbol.Address + symbol.Size);
        if (relocated is not null)
        {
            throw new BadElfException($"{path}: function '{symbol.Name}' needs a relocation at instruction {(relocated.Offset - symbol.Address) / 8} "
                + $"(type {relocated.Type}, symbol '{relocated.Symbol}'): maps, global data and calls of other functions are not modelled.");
        }
        return new BpfProgram(symbol.Name, symbol.Section, contents.AsSpan((int)symbol.Address, (int)symbol.Size).ToArray());
    }

    /// <summary>Runs the program concretely on up to five arguments (r1..r5) with a zeroed stack, returning r0.</summary>
    /// <exception cref="UnsupportedInstructionException">It reached an illegal or unmodelled instruction.</exception>
    /// <exception cref="BpfFaultException">It made an out-of-bounds or misaligned memory access.</exception>
    public ulong Run(params ulong[] arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var interpreter = new BpfInterpreter(Instructions);
        var execution = interpreter.Run(BpfMemory.Start(BpfMemory.Create(0, zeroed: true), [.. arguments.Select(a => BitVec.Of(a, 64))]));
        if (execution.Bugs.FirstOrDefault(b => b.Condition.IsTrue) is { } bug)
        {
            throw new BpfFaultException(bug.Message);
        }
        return execution.Finals.Single().Registers[0].Value;
    }
}

/// <summary>The error for a concrete run that made a bad memory access; the message names the access and the instruction.</summary>
public sealed class BpfFaultException(string message) : Exception(message);
