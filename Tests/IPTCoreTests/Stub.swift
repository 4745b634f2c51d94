import Testing
@testable import IPTCore
