namespace Popcorn.Emulation;

/// <summary>What a guest may do with a page, as <c>PROT_*</c> says it.</summary>
[Flags]
public enum PagePermissions
{
    /// <summary>No access (<c>PROT_NONE</c>).</summary>
    None = 0,

    /// <summary>Loads (<c>PROT_READ</c>).</summary>
    Read = 1,

    /// <summary>Stores (<c>PROT_WRITE</c>).</summary>
    Write = 2,

    /// <summary>Instruction fetch (<c>PROT_EXEC</c>).</summary>
    Execute = 4,

    /// <summary>Read and write.</summary>
    ReadWrite = Read | Write,

    /// <summary>Read and execute.</summary>
    ReadExecute = Read | Execute,
}

/// <summary>The kind of guest memory access that faulted.</summary>
public enum MemoryAccess
{
    /// <summary>A load.</summary>
    Read,

    /// <summary>A store.</summary>
    Write,

    /// <summary>An instruction fetch.</summary>
    Execute,
}

/// <summary>
/// A guest access to an address that is not mapped or not permitted. CPUs catch it and stop the thread with a fault
/// (the guest would receive SIGSEGV); the system-call layer turns it into <c>-EFAULT</c>.
/// </summary>
public sealed class GuestFaultException : Exception
{
    /// <summary>Creates the fault for an access of kind <paramref name="access"/> at <paramref name="address"/>.</summary>
    public GuestFaultException(ulong address, MemoryAccess access)
        : base($"{access switch { MemoryAccess.Read => "read from", MemoryAccess.Write => "write to", _ => "instruction fetch from" }} unmapped or protected address 0x{address:x}")
    {
        Address = address;
        Access = access;
    }

    /// <summary>Creates a fault with a message only; prefer the constructor that names the address.</summary>
    public GuestFaultException() : base("guest memory fault")
    {
    }

    /// <summary>Creates a fault with a message only; prefer the constructor that names the address.</summary>
    public GuestFaultException(string message) : base(message)
    {
    }

    /// <summary>Creates a fault with a message and a cause; prefer the constructor that names the address.</summary>
    public GuestFaultException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>The guest address that faulted.</summary>
    public ulong Address { get; }

    /// <summary>What the guest tried to do there.</summary>
    public MemoryAccess Access { get; }
}
