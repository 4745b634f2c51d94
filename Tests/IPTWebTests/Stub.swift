import Testing
import VaporTesting
@testable import IPTWeb
