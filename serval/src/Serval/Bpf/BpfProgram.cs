using System.Buffers.Binary;
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
    private BpfProgram(string name, string section, byte[] code, IReadOnlyList<BpfMap> maps)
    {
        Name = name;
        Section = section;
        Code = code;
        Maps = maps;
        Instructions = BpfDecoder.Decode(code);
    }

    /// <summary>The array maps it refers to (their handles are patched into its LD_IMM64 instructions).</summary>
    public IReadOnlyList<BpfMap> Maps { get; }

    /// <summary>An interpreter for it whose call manager models <c>bpf_map_lookup_elem</c> on its maps.</summary>
    public BpfInterpreter Interpreter() => new(Instructions)
    {
        Helpers = new Dictionary<int, BpfHelper> { [BpfMap.LookupHelper] = BpfMap.Lookup(Maps) },
    };

    /// <summary>A start state: the arguments in r1..r5, the stack and the maps' values symbolic (or zero when <paramref name="zeroed"/>).</summary>
    public BpfState Start(IReadOnlyList<BitVec> arguments, bool zeroed) =>
        BpfMemory.Start(BpfMemory.Create(0, zeroed, maps: Maps), arguments);

    /// <summary>The function's name ("" when a whole section without symbols was taken).</summary>
    public string Name { get; }

    /// <summary>The section it lives in.</summary>
    public string Section { get; }

    /// <summary>Its bytecode.</summary>
    public IReadOnlyList<byte> Code { get; }

    /// <summary>Its decoded instructions.</summary>
    public IReadOnlyList<BpfInstruction> Instructions { get; }

    /// <summary>A program made of the bytecode <paramref name="code"/>.</summary>
    public static BpfProgram FromCode(byte[] code, string name = "") => new(name, "", code, []);

    /// <summary>
    /// Reads the function <paramref name="function"/> (or, without it, the only function of <paramref name="section"/>,
    /// or the only function of the object) from the BPF ELF object at <paramref name="path"/>.
    /// </summary>
    /// <exception cref="BadElfException">Not a BPF object, no such function or section, several candidates, or the
    /// function needs relocations other than references to legacy array maps (global data, calls of other functions).</exception>
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
        var code = contents.AsSpan((int)symbol.Address, (int)symbol.Size).ToArray();
        var maps = new List<BpfMap>();
        foreach (var relocation in image.Relocations.Where(r => r.Section == symbol.Section && r.Offset >= symbol.Address && r.Offset < symbol.Address + symbol.Size))
        {
            var at = (int)(relocation.Offset - symbol.Address);
            if (code[at] != BpfOpcodes.LdImm64 || !image.Symbols.TryGetValue(relocation.Symbol, out var target) || target.Section != "maps")
            {
                throw new BadElfException($"{path}: function '{symbol.Name}' needs a relocation at instruction {at / 8} "
                    + $"(type {relocation.Type}, symbol '{relocation.Symbol}'): only legacy array maps (section \"maps\") are modelled, not global data or calls of other functions.");
            }
            var map = maps.FirstOrDefault(m => m.Name == target.Name) ?? ReadMap(image, target, maps.Count);
            if (!maps.Contains(map))
            {
                maps.Add(map);
            }
            BinaryPrimitives.WriteUInt32LittleEndian(code.AsSpan(at + 4), (uint)map.Handle);
            BinaryPrimitives.WriteUInt32LittleEndian(code.AsSpan(at + 12), (uint)(map.Handle >> 32));
        }
        return new BpfProgram(symbol.Name, symbol.Section, code, maps);
    }

    // A legacy struct bpf_map_def { u32 type, key_size, value_size, max_entries, map_flags; } of an array map.
    private static BpfMap ReadMap(ElfImage image, ElfSymbol symbol, int index)
    {
        var definition = image.SectionContents("maps");
        if (symbol.Address + 16 > (ulong)definition.Length)
        {
            throw new BadElfException($"{image.Path}: map '{symbol.Name}' is not a struct bpf_map_def.");
        }
        uint Field(int k) => BinaryPrimitives.ReadUInt32LittleEndian(definition.AsSpan((int)symbol.Address + (4 * k)));
        var (type, keySize, valueSize, maxEntries) = (Field(0), Field(1), Field(2), Field(3));
        if (type != BpfMap.ArrayType || keySize != 4 || valueSize == 0 || maxEntries == 0 || (ulong)valueSize * maxEntries > 1 << 24)
        {
            throw new BadElfException($"{image.Path}: map '{symbol.Name}' (type {type}, key {keySize} bytes, value {valueSize} bytes, {maxEntries} entries) "
                + "is not modelled: only array maps with 4-byte keys and at most 16 MiB of values.");
        }
        var (handle, values) = BpfMap.Placement(index);
        return new BpfMap(symbol.Name, keySize, valueSize, maxEntries, handle, values);
    }

    /// <summary>Runs the program concretely on up to five arguments (r1..r5) with a zeroed stack and maps, returning r0.</summary>
    /// <exception cref="UnsupportedInstructionException">It reached an illegal or unmodelled instruction.</exception>
    /// <exception cref="BpfFaultException">It made an out-of-bounds or misaligned memory access.</exception>
    public ulong Run(params ulong[] arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var execution = Interpreter().Run(Start([.. arguments.Select(a => BitVec.Of(a, 64))], zeroed: true));
        if (execution.Bugs.FirstOrDefault(b => b.Condition.IsTrue) is { } bug)
        {
            throw new BpfFaultException(bug.Message);
        }
        return execution.Finals.Single().Registers[0].Value;
    }
}

/// <summary>The error for a concrete run that made a bad memory access; the message names the access and the instruction.</summary>
public sealed class BpfFaultException(string message) : Exception(message);
