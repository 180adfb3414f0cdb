/**
 * Notifies the EMR sync service when a patient is created or really changed.
 * All logic (loop prevention included) lives in EmrSyncTriggerHandler.
 */
trigger EmrSyncTrigger on Patient__c (after insert, after update) {
    EmrSyncTriggerHandler.onPatientsSaved(Trigger.new, Trigger.oldMap);
}
