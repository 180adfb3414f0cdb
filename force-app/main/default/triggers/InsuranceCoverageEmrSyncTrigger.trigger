/**
 * A insurance coverage belongs to its patient's EMR chart: adding, editing or removing one
 * notifies the EMR sync service about the parent Patient__c.
 */
trigger InsuranceCoverageEmrSyncTrigger on Insurance_Coverage__c (after insert, after update, after delete, after undelete) {
    EmrSyncTriggerHandler.onChildrenSaved(Trigger.new, Trigger.oldMap);
}
