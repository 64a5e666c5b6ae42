/** parley's version, written into every manifest. A test keeps it equal to package.json's. */
export const PARLEY_VERSION = '0.1.0';
